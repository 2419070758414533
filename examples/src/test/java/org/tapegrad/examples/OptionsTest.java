package org.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** Option parsing and number formatting of the commands. */
class OptionsTest {
    private static final Set<String> NAMES = Set.of("epochs", "lr", "batch-size", "monitor", "monitor-every");

    private static String refusal(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> new Options(args, NAMES, Set.of("skip-nonfinite")))
                .getMessage();
    }

    @Test
    void valuesFlagsAndEveryKindOfMistake() {
        Options o = new Options(new String[] {"--lr", "-0.5", "--skip-nonfinite", "--epochs", "3"}, NAMES,
                Set.of("skip-nonfinite"));
        assertEquals(3, o.integer("epochs", 1, 1));
        assertEquals("-0.5", o.text("lr", null), "a negative number is a value, not an option");
        assertTrue(o.flag("skip-nonfinite"));
        assertEquals("--epochs needs a value", refusal("--epochs"));
        assertEquals("--epochs needs a value", refusal("--epochs", "--lr", "1"));
        assertEquals("--epochs is given twice", refusal("--epochs", "1", "--epochs", "2"));
        assertEquals("unknown option '--epoch'; did you mean --epochs? (accepted: --batch-size, --epochs, --lr, "
                + "--monitor, --monitor-every, --skip-nonfinite)", refusal("--epoch", "2"));
        assertTrue(refusal("--batchsize", "2").contains("did you mean --batch-size?"));
        assertTrue(refusal("3").startsWith("unexpected argument '3'; options start with --"));
        assertEquals("--epochs expects an integer, got 'three'",
                assertThrows(IllegalArgumentException.class, () -> new Options(new String[] {"--epochs", "three"},
                        NAMES).integer("epochs", 1, 1)).getMessage());
    }

    @Test
    void nearestNameOnlyWhenItIsClose() {
        assertEquals("monitor-every", Options.nearest("monitor-evry", NAMES));
        assertEquals("monitor", Options.nearest("mon", NAMES), "a prefix is close");
        assertNull(Options.nearest("learning-rate", NAMES));
        assertEquals(3, Options.distance("kitten", "sitting"));
        assertEquals(0, Options.distance("", ""));
    }

    @Test
    void largeAndTinyNumbersPrintInScientificNotation() {
        assertEquals("2.3026", Fmt.num(2.302585, 4));
        assertEquals("0.0000", Fmt.num(0, 4));
        assertEquals("123456.7890", Fmt.num(123456.789, 4));
        assertEquals("1.235e+12", Fmt.num(1234567890123.0, 4));
        assertEquals("-4.560e-07", Fmt.num(-4.56e-7, 4));
        assertEquals("NaN", Fmt.num(Double.NaN, 4));
        assertEquals("Infinity", Fmt.num(Double.POSITIVE_INFINITY, 4));
    }
}
