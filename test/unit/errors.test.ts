import { describe, expect, it } from 'vitest';
import { AppError, errorMessage, failureDetails } from '../../lib/core/errors.js';
import { ConfigError } from '../../lib/core/config.js';

class Busy extends AppError {}
class Closed extends Busy {}

describe('the base error', () => {
  it('names each subclass after itself, subclasses of subclasses too', () => {
    expect(new Busy('x').name).toBe('Busy');
    expect(new Closed('x').name).toBe('Closed');
    expect(new ConfigError(['A is not set']).name).toBe('ConfigError');
    expect(String(new Closed('gone'))).toBe('Closed: gone');
  });

  it('is an Error and an instance of every class above it', () => {
    const err = new Closed('x');
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toBeInstanceOf(Busy);
    expect(new Busy('x')).not.toBeInstanceOf(Closed);
  });

  it('is not retriable unless it says so, and keeps its cause', () => {
    const cause = new Error('socket closed');
    expect(new Busy('x').retriable).toBe(false);
    const err = new Busy('x', { retriable: true, cause });
    expect(err.retriable).toBe(true);
    expect(err.cause).toBe(cause);
    expect('cause' in new Busy('x')).toBe(false);
  });

  it('gives a message and log details for anything thrown', () => {
    expect(errorMessage(new Busy('broker away'))).toBe('broker away');
    expect(errorMessage('plain text')).toBe('plain text');
    expect(failureDetails(new Busy('x', { retriable: true }))).toMatchObject({ retriable: true });
    const details = failureDetails(42);
    expect(details.error).toBeInstanceOf(Error);
    expect(details.error.message).toBe('42');
    expect('retriable' in details).toBe(false);
  });
});
