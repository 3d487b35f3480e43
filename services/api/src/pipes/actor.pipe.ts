import { BadRequestException, ExecutionContext, PipeTransform, createParamDecorator } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';

export const ACTOR_HEADER = 'X-Actor';
export const MAX_ACTOR_LENGTH = 256;

export const ACTOR_HEADER_DESCRIPTION =
  'Who makes the change (an e-mail address or a username), recorded in the audit trail. The API does not ' +
  'authenticate users itself: the authenticating reverse proxy in front of it must set this header from the ' +
  'signed-in user (and strip any value a client sent). Required on every change; a change without it is a 400.';

/**
 * The actor of a change, from the `X-Actor` header: required, trimmed, not blank, printable, at most
 * 256 characters.
 */
export class ActorPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    const header = ACTOR_HEADER;
    if (value === undefined) {
      throw new BadRequestException(`${header}: header is required on changes; the authenticating proxy sets it to the user's e-mail or username`);
    }
    if (typeof value !== 'string') throw new BadRequestException(`${header}: give the header once`);
    const actor = value.trim();
    if (!actor) throw new BadRequestException(`${header}: must not be empty or blank; give the user's e-mail or username`);
    if (actor.length > MAX_ACTOR_LENGTH) throw new BadRequestException(`${header}: must be at most ${MAX_ACTOR_LENGTH} characters`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(actor)) throw new BadRequestException(`${header}: must not contain control characters`);
    return actor;
  }
}

/** The `X-Actor` header as a handler parameter, required and checked (400 without it). */
export const Actor = createParamDecorator((_data: unknown, context: ExecutionContext): string =>
  new ActorPipe().transform(context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers['x-actor']),
);

/** Documents the required `X-Actor` header on a change. */
export const ActorHeader = () => ApiHeader({ name: ACTOR_HEADER, required: true, description: ACTOR_HEADER_DESCRIPTION });
