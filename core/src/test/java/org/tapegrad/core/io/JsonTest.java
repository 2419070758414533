package org.tapegrad.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void parsesNestedValuesInDocumentOrder() {
        Object v = Json.parse(" {\"b\": [1, -2.5e1, true, null], \"a\": {\"s\": \"x\\\"y\\u0041\\n\"}} ");
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(List.of("b", "a"), List.copyOf(m.keySet()));
        assertEquals(Arrays.asList(1L, -25.0, true, null), m.get("b"));
        assertEquals("x\"yA\n", ((Map<?, ?>) m.get("a")).get("s"));
    }

    @Test
    void quoteRoundTrips() {
        String s = "tab\t \"quote\" back\\slash \u0001";
        assertEquals(s, Json.parse(Json.quote(s)));
    }

    @Test
    void rejectsMalformedInputWithAPosition() {
        for (String bad : new String[] {"", "{", "[1,]", "{\"a\" 1}", "\"open", "01x", "{\"a\":1}x", "nul"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("JSON: ") && e.getMessage().contains("at character"), e.getMessage());
        }
    }
}
