package io.lorafleet.kernels.gpu;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Java side of {@code kernels/gpu/acceptance.sh}: {@code <step> <shapes> <device> <work dir>},
 * step one of {@code parity}, {@code model}, {@code logits}, {@code decode}, {@code train}; shapes
 * {@code full} or {@code dry}; device {@code cuda} or {@code host-device}. Exit 0 when the step's
 * checks passed, 1 when one failed, 2 on bad arguments.
 */
public final class Acceptance {
  private Acceptance() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      System.err.println(
          "usage: Acceptance parity|model|logits|decode|train full|dry cuda|host-device <work dir>");
      System.exit(2);
    }
    AcceptanceShapes shapes = AcceptanceShapes.named(args[1]);
    String device = args[2];
    Path work = Path.of(args[3]);
    Files.createDirectories(work);
    boolean ok =
        switch (args[0]) {
          case "parity" -> ParityRun.run(device);
          case "model" -> {
            ModelSetup.write(shapes, work);
            yield true;
          }
          case "logits" -> {
            LogitsRun.run(device, work);
            yield true;
          }
          case "decode" -> {
            DecodeRun.run(shapes, device, work);
            yield true;
          }
          // fp32 on both sides: the host build differs from the CPU backend by summation order
          // only; a GPU adds its own libm and FMA contraction.
          case "train" -> TrainRun.run(shapes, device, work, device.equals("cuda") ? 1e-4 : 1e-5);
          default -> {
            System.err.println("unknown step " + args[0]);
            System.exit(2);
            yield false;
          }
        };
    System.exit(ok ? 0 : 1);
  }
}
