package example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InventoryTest {
  @TempDir Path dir;

  @Test
  void writesReadsAndScans() {
    try (Inventory inventory = new Inventory(dir)) {
      inventory.setAll(Map.of("fruit/apple", 3L, "fruit/pear", 5L, "veg/leek", 2L));
      inventory.set("fruit/fig", 7);
      inventory.remove("fruit/pear");
      assertEquals(3, inventory.get("fruit/apple"));
      assertEquals(-1, inventory.get("fruit/pear"));
      assertEquals(List.of("fruit/apple", "fruit/fig"),
          List.copyOf(inventory.withPrefix("fruit/").keySet()));
      assertEquals(Map.of("veg/leek", 2L), inventory.withPrefix("veg/"));
    }
  }

  @Test
  void countsSurviveReopening() {
    try (Inventory inventory = new Inventory(dir)) {
      inventory.set("tool/saw", 1);
    }
    try (Inventory inventory = new Inventory(dir)) {
      assertEquals(1, inventory.get("tool/saw"));
    }
  }
}
