/** EC2 id formats and the errors AWS answers for a malformed or unknown id. */
import { AwsError } from './protocol';

/** A Query request's form fields. */
export type Params = Readonly<Record<string, string>>;

export const ID = {
  routeTable: /^rtb-[0-9a-f]{8}([0-9a-f]{9})?$/,
  eni: /^eni-[0-9a-f]{8}([0-9a-f]{9})?$/,
  instance: /^i-[0-9a-f]{8}([0-9a-f]{9})?$/,
};

export function malformed(code: string, id: string, prefix: string): AwsError {
  return new AwsError(code, `Invalid id: "${id}" (expecting "${prefix}-...")`);
}

export function routeTableNotFound(ids: readonly string[]): AwsError {
  return new AwsError(
    'InvalidRouteTableID.NotFound',
    ids.length === 1
      ? `The routeTable ID '${ids[0]}' does not exist`
      : `The routeTable IDs '${ids.join(', ')}' do not exist`,
  );
}
