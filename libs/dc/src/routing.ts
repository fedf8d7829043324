/**
 * Relocate mode's contract between commerce-api and the edge load balancer regionctl starts:
 * the cookie (and header) naming the account's home DC, on which the edge routes.
 */
export const HOME_COOKIE = 'meridian_home';
export const HOME_HEADER = 'x-meridian-home-dc';

export type RoutingMode = 'remote-write' | 'relocate';
export const ROUTING_MODES: readonly RoutingMode[] = ['remote-write', 'relocate'];
