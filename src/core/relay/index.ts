export { Relay, type RelayOptions, type RelayRefusal, type RelayCounts } from './relay';
export { RelayConnection, type Leg, type RelayCounts as RelayConnectionCounts } from './connection';
export type { Breakpoint, HeldMessage, Release } from './breakpoints';
export { MessageMatcher, type MessageMatch, type RelayDecoder, type RelayRule, type RuleActions } from './match';
export { isLoopback, targetUrl, type PathRule } from './upgrade';
