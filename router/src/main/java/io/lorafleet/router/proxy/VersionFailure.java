package io.lorafleet.router.proxy;

/**
 * Which answers of a pod count in a rollout's analysis. A refusal (429: the pod's waiting queue is
 * full) says the pod had no room, not that a version is bad: it counts for neither version, so a
 * traffic peak during a canary does not roll a good version back. Failures of the version that gave
 * them: the name missing (404: the version is not there) and server errors (5xx; 503 stays one, as
 * our server also answers 503 for an adapter version it cannot load). Other 4xx are the client's
 * own mistakes and would be the same on either version.
 */
final class VersionFailure {
  private VersionFailure() {}

  static boolean isRefusal(int status) {
    return status == 429;
  }

  static boolean is(int status) {
    return status == 404 || status >= 500;
  }
}
