import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Public } from '@dvc/auth';
import { READINESS_CHECKS, ReadinessCheck } from './readiness-checks';

/** Open to anyone, with or without a token: probes of the orchestrator and load balancer carry none. */
@Public()
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    @Inject(READINESS_CHECKS) private readonly readinessChecks: ReadinessCheck[],
  ) {}

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process answers (restart it when this fails)' })
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: every dependency answers in time (503 with the failing ones otherwise)' })
  ready() {
    return this.health.check(this.readinessChecks);
  }
}
