/** A user above a run's cutoff: what the selection finds, the job publishes and a consumer reads back. */
export interface PopularUser {
  userId: string;
  score: number;
}
