import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  JobsServiceClient,
  JobsServiceService,
  type GetJobRequest,
  type Job,
  JobState,
} from '@lm/proto/jobs/v1/jobs';
import { AppError, GrpcServer, callUnary, createLogger, unaryHandler } from '../src/index.js';

const logger = createLogger({ service: 'grpc-test', level: 'silent' });

describe('GrpcServer', () => {
  const server = new GrpcServer(logger);
  let port = 0;

  beforeAll(async () => {
    server.addService('lm.jobs.v1.JobsService', JobsServiceService, {
      getJob: unaryHandler<GetJobRequest, Job>(logger, (request) => {
        if (request.jobId === 'missing')
          return Promise.reject(new AppError('not_found', 'No job missing'));
        return Promise.resolve({
          jobId: request.jobId,
          kind: 1,
          state: JobState.JOB_STATE_RUNNING,
          subjectId: 'rec-1',
          courseId: '',
          ownerId: '',
          progress: 0.5,
          errorCode: '',
          errorMessage: '',
          attempt: 1,
          updatedAtMs: 0,
        });
      }),
    });
    port = await server.listen('127.0.0.1', 0);
  });
  afterAll(() => server.close(100));

  it('answers unary calls and maps AppError codes across the wire', async () => {
    const client = new JobsServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    const job = await callUnary(client.getJob.bind(client), { jobId: 'j-1' });
    expect(job.progress).toBeCloseTo(0.5);
    const error = await callUnary(client.getJob.bind(client), { jobId: 'missing' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('not_found');
    expect((error as AppError).message).toBe('No job missing');
    client.close();
  });

  it('reports SERVING through the standard health service', async () => {
    const { HealthClient } = await loadHealthClient();
    const client = new HealthClient(`127.0.0.1:${port}`, credentials.createInsecure());
    const response = await new Promise<{ status: string }>((resolve, reject) =>
      client.check(
        { service: 'lm.jobs.v1.JobsService' },
        new Metadata(),
        (e: ServiceError | null, r: { status: string }) => (e ? reject(e) : resolve(r)),
      ),
    );
    expect(response.status).toBe('SERVING');
    client.close();
  });
});

async function loadHealthClient() {
  const { loadPackageDefinition } = await import('@grpc/grpc-js');
  const { loadSync } = await import('@grpc/proto-loader');
  const { protoPath } = await import('grpc-health-check');
  const definition = loadPackageDefinition(loadSync(protoPath, { enums: String })) as unknown as {
    grpc: { health: { v1: { Health: new (address: string, creds: unknown) => HealthClientType } } };
  };
  return { HealthClient: definition.grpc.health.v1.Health };
}

interface HealthClientType {
  check(
    request: { service: string },
    metadata: Metadata,
    callback: (error: ServiceError | null, response: { status: string }) => void,
  ): void;
  close(): void;
}
