/** Reconcilers for the Lorafleet custom resources. */
package io.lorafleet.operator;
