package org.tapegrad.core.internal.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SelectTest {
    private static final double[] XS = {1, 1e-300, Double.MIN_VALUE, Double.POSITIVE_INFINITY, 0.0, -0.0, -1,
        -Double.MIN_VALUE, Double.NEGATIVE_INFINITY, -1e300};

    @Test
    void passesTheGradientExactlyWhereXIsPositive() {
        for (double x : XS) {
            double expected = x > 0 ? 3.5 : 0;
            assertEquals(expected, Select.ifPositive(x, 3.5), "double x = " + x);
            float xf = (float) x; // 1e-300 and MIN_VALUE round to 0 in float
            assertEquals(xf > 0 ? 3.5f : 0f, Select.ifPositive(xf, 3.5f), "float x = " + xf);
            assertEquals(x > 0 ? -2.0 : 0, Select.ifPositive(x, -2.0), "negative g, x = " + x);
        }
        assertEquals(0f, Select.ifPositive(-Float.MIN_VALUE, 1f));
        assertEquals(1f, Select.ifPositive(Float.MIN_VALUE, 1f));
    }

    @Test
    void aNaNWithAClearSignBitPassesTheGradientAsPyTorch() {
        assertEquals(7.0, Select.ifPositive(Double.NaN, 7.0));
        assertEquals(7f, Select.ifPositive(Float.NaN, 7f));
    }

    @Test
    void orderKeysSortLikeTheValues() {
        double[] sorted = {Double.NEGATIVE_INFINITY, -1e300, -2, -Double.MIN_VALUE, -0.0, 0.0, Double.MIN_VALUE, 1,
            1e300, Double.POSITIVE_INFINITY};
        for (int i = 1; i < sorted.length; i++) {
            assertTrue(Select.orderKey(sorted[i - 1]) < Select.orderKey(sorted[i]), sorted[i - 1] + " < " + sorted[i]);
            float a = (float) sorted[i - 1];
            float b = (float) sorted[i];
            assertTrue(a < b || Float.compare(a, b) < 0 ? Select.orderKey(a) < Select.orderKey(b)
                    : Select.orderKey(a) == Select.orderKey(b), a + " vs " + b);
        }
    }
}
