// The ARN IAM gives a topic or a consumer group of an MSK cluster: the cluster's ARN with the
// resource kind in place of "cluster", and the resource's name after it.

export const mskResourceArn = (clusterArn: string, kind: 'topic' | 'group', name: string) =>
  `${clusterArn.replace(':cluster/', `:${kind}/`)}/${name}`;
