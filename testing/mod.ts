/**
 * Test helpers for hellogate users: a scripted client that builds realistic first flights and
 * answers HelloVerifyRequests and HelloRetryRequests. (Under construction.)
 *
 * @module
 */
export {};
