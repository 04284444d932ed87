package io.lorafleet.ports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PortTakenTest {
  @Test
  void recognisesJavaGoAndQuarkusBindFailures() {
    assertThat(PortTaken.in("java.net.BindException: Address already in use", 1)).isTrue();
    assertThat(
            PortTaken.in(
                "{\"level\":\"fatal\",\"msg\":\"listen tcp 127.0.0.1:24001: bind: address already"
                    + " in use\"}",
                24_001))
        .isTrue();
    // The server's and the router's own line (Quarkus), with the JSON log format switched on too.
    String quarkus =
        "level=ERROR logger=io.qu.ru.Application thread=main msg=\"Port 24001 seems to be in use"
            + " by another process. Quarkus may already be running or the port is used by another"
            + " application.\"";
    assertThat(PortTaken.in(quarkus, 24_001)).isTrue();
    assertThat(PortTaken.in(quarkus, 24_002)).as("another port").isFalse();
    assertThat(PortTaken.in("--model /nonexistent is not a directory", 24_001)).isFalse();
  }

  @Test
  void throwsWithTheLogsLastLinesOnlyWhenThePortWasTaken(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("server.log");
    StringBuilder output = new StringBuilder();
    for (int i = 0; i < 30; i++) {
      output.append("line ").append(i).append('\n');
    }
    Files.writeString(log, output + "Port 24001 seems to be in use by another process.\n");
    assertThatThrownBy(() -> PortTaken.throwIfTaken("server 1", 24_001, log))
        .isInstanceOfSatisfying(
            PortTakenException.class,
            e -> {
              assertThat(e.port()).isEqualTo(24_001);
              assertThat(e.log()).contains(log);
            })
        .hasMessageStartingWith("server 1 could not listen on 127.0.0.1:24001")
        .hasMessageContaining("line 29")
        .hasMessageNotContaining("line 10\n");

    Files.writeString(log, "base model could not be loaded\n");
    PortTaken.throwIfTaken("server 1", 24_001, log); // not a race: the caller reports it
    PortTaken.throwIfTaken("server 1", 24_001, dir.resolve("absent.log"));
  }
}
