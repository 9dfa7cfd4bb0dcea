// The Lambda edge's half of the metrics: lib/metrics.ts says what to record, Powertools writes it
// as CloudWatch embedded metric format on stdout, in the namespace POWERTOOLS_METRICS_NAMESPACE names.
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { MetricPoint, MetricUnit as Unit } from '../lib/metrics.js';

const UNITS = { Count: MetricUnit.Count, Milliseconds: MetricUnit.Milliseconds, None: MetricUnit.NoUnit } as const satisfies Record<Unit, unknown>;

export function record(metrics: Metrics, points: MetricPoint[]): void {
  for (const point of points) {
    const unit = UNITS[point.unit];
    if (point.dimensions === undefined) {
      metrics.addMetric(point.name, unit, point.value);
    } else {
      // A dimensioned point goes out on its own, so its dimension never rides on the other metrics.
      const single = metrics.singleMetric();
      single.addDimensions(point.dimensions);
      single.addMetric(point.name, unit, point.value);
    }
  }
}
