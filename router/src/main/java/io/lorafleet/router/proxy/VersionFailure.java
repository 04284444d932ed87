package io.lorafleet.router.proxy;

/**
 * Which answers of a pod count against the version that gave them (a rollout's failures): the name
 * missing (404: the version is not there), refusals (429) and server errors (5xx). Other 4xx are
 * the client's own mistakes and would be the same on either version.
 */
final class VersionFailure {
  private VersionFailure() {}

  static boolean is(int status) {
    return status == 404 || status == 429 || status >= 500;
  }
}
