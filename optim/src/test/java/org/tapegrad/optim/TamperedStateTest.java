package org.tapegrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.DType;
import org.tapegrad.core.io.StateDict;
import org.tapegrad.core.Tensor;

/**
 * Every scalar and buffer of every optimizer's and schedule's saved state, tampered with: each bad value is refused
 * with a message naming its key, and the object loading it is left as it was. The keys come from the states
 * themselves, so a new key without a rule here fails the test.
 */
class TamperedStateTest {
    private static final List<String> NOT_A_COUNT = List.of("-5", "abc", "NaN", "1.5", "", "Infinity");
    private static final List<String> NOT_A_RATE = List.of("-5", "abc", "NaN", "Infinity", "-Infinity", "");

    private static Map<String, Function<List<Tensor>, Optimizer<?>>> optimizers() {
        Map<String, Function<List<Tensor>, Optimizer<?>>> m = new LinkedHashMap<>();
        m.put("sgd momentum", ps -> new Sgd(ps, Sgd.Options.of(0.1).withMomentum(0.9)));
        m.put("adam amsgrad", ps -> new Adam(ps, Adam.Options.of(0.01).withAmsgrad(true)));
        m.put("adamw", ps -> new AdamW(ps, AdamW.Options.of(0.01)));
        m.put("rmsprop centered momentum", ps -> new RmsProp(ps, RmsProp.Options.of(0.01).withCentered(true)
                .withMomentum(0.5)));
        m.put("adagrad", ps -> new Adagrad(ps, Adagrad.Options.of(0.1)));
        return m;
    }

    private static String refusal(Runnable load) {
        return assertThrows(IllegalArgumentException.class, load::run).getMessage();
    }

    private static StateDict withValue(StateDict s, String key, String value) {
        Map<String, String> v = new LinkedHashMap<>(s.values());
        v.put(key, value);
        return new StateDict(s.tensors(), v);
    }

    private static void assertSameState(StateDict expected, StateDict actual, String what) {
        assertEquals(expected.values(), actual.values(), what);
        assertEquals(expected.tensors().keySet(), actual.tensors().keySet(), what);
        for (String k : expected.tensors().keySet()) {
            assertArrayEquals(expected.tensor(k).toDoubleArray(), actual.tensor(k).toDoubleArray(), 0, what + " " + k);
        }
    }

    @Test
    void everyOptimizerRefusesEveryTamperedValueNamingItsKey() {
        Set<String> kinds = new java.util.TreeSet<>();
        for (Map.Entry<String, Function<List<Tensor>, Optimizer<?>>> e : optimizers().entrySet()) {
            for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                List<Tensor> ps = CheckpointTest.params(dtype);
                Optimizer<?> saved = e.getValue().apply(ps);
                CheckpointTest.train(saved, ps, 0, 3);
                StateDict good = saved.stateDict();

                Optimizer<?> target = e.getValue().apply(CheckpointTest.params(dtype));
                CheckpointTest.train(target, target.paramGroups().get(0).params(), 0, 1);
                StateDict before = target.stateDict();
                for (String key : good.values().keySet()) {
                    String kind = key.substring(key.lastIndexOf('.') + 1);
                    kinds.add(kind);
                    List<String> bad = switch (kind) {
                        case "step" -> concat(NOT_A_COUNT, "0");
                        case "skipped_steps" -> NOT_A_COUNT;
                        case "lr", "initial_lr" -> NOT_A_RATE;
                        case "params", "options" -> List.of(); // compared as text, tested in CheckpointTest
                        default -> fail(e.getKey() + ": no rule for the saved value '" + key + "'");
                    };
                    for (String v : bad) {
                        String m = refusal(() -> target.loadStateDict(withValue(good, key, v)));
                        assertTrue(m.startsWith("loadStateDict: '" + key + "' must be"), e.getKey() + ": " + m);
                        assertTrue(m.endsWith("got '" + v + "'"), m);
                        assertSameState(before, target.stateDict(), e.getKey() + " after refusing " + key + "=" + v);
                    }
                }
                for (String key : good.tensors().keySet()) {
                    String buffer = key.substring(key.lastIndexOf('.') + 1);
                    boolean squares = Set.of("exp_avg_sq", "max_exp_avg_sq", "square_avg", "sum").contains(buffer);
                    for (double v : squares ? new double[] {Double.NaN, Double.POSITIVE_INFINITY, -1}
                            : new double[] {Double.NaN, Double.NEGATIVE_INFINITY}) {
                        Map<String, Tensor> t = new HashMap<>(good.tensors());
                        double[] values = good.tensor(key).toDoubleArray();
                        values[values.length - 1] = v;
                        t.put(key, Tensor.of(DType.FLOAT64, values, good.tensor(key).shape()));
                        String m = refusal(() -> target.loadStateDict(new StateDict(t, good.values())));
                        assertTrue(m.startsWith("loadStateDict: tensor '" + key + "' holds " + v + " at index "
                                + (values.length - 1)), e.getKey() + ": " + m);
                        assertSameState(before, target.stateDict(), e.getKey() + " after refusing " + key);
                    }
                }
                target.loadStateDict(good); // the untouched state still loads
                assertSameState(good, target.stateDict(), e.getKey());
            }
        }
        assertEquals(Set.of("initial_lr", "lr", "options", "params", "skipped_steps", "step"), kinds);
    }

    @Test
    void aNegativeMomentumIsAValidBuffer() {
        List<Tensor> ps = CheckpointTest.params(DType.FLOAT64);
        Optimizer<?> sgd = new Sgd(ps, Sgd.Options.of(0.1).withMomentum(0.9));
        CheckpointTest.train(sgd, ps, 0, 2);
        StateDict s = sgd.stateDict();
        Map<String, Tensor> t = new HashMap<>(s.tensors());
        t.put("state.1.momentum_buffer", Tensor.of(DType.FLOAT64, new double[] {-3, -4}, 2));
        sgd.loadStateDict(new StateDict(t, s.values()));
        assertArrayEquals(new double[] {-3, -4}, sgd.stateDict().tensor("state.1.momentum_buffer").toDoubleArray(), 0);
    }

    private static Map<String, Supplier<LrSchedule>> schedules(Optimizer<?> opt) {
        Map<String, Supplier<LrSchedule>> m = new LinkedHashMap<>();
        m.put("step", () -> new StepLr(opt, 2, 0.5));
        m.put("multistep", () -> new MultiStepLr(opt, new int[] {1, 3}));
        m.put("exponential", () -> new ExponentialLr(opt, 0.9));
        m.put("cosine", () -> new CosineAnnealingLr(opt, 10, 0));
        m.put("linear", () -> new LinearLr(opt));
        m.put("onecycle", () -> new OneCycleLr(opt, 0.5, 20));
        m.put("plateau", () -> new ReduceLrOnPlateau(opt, ReduceLrOnPlateau.Options.defaults().withCooldown(2)));
        m.put("sequential", () -> new SequentialLr(opt, List.of(new LinearLr(opt), new StepLr(opt, 2)),
                new int[] {3}));
        return m;
    }

    private static void step(LrSchedule s, int times) {
        for (int i = 0; i < times; i++) {
            if (s instanceof ReduceLrOnPlateau p) {
                p.step(1.0 / (i + 1));
            } else if (s instanceof SequentialLr q) {
                q.step();
            } else {
                ((LrScheduler) s).step();
            }
        }
    }

    @Test
    void everyScheduleRefusesEveryTamperedValueNamingItsKey() {
        Set<String> kinds = new java.util.TreeSet<>();
        List<Tensor> ps = CheckpointTest.params(DType.FLOAT64);
        Optimizer<?> opt = new Sgd(ps, Sgd.Options.of(0.1));
        for (Map.Entry<String, Supplier<LrSchedule>> e : schedules(opt).entrySet()) {
            LrSchedule saved = e.getValue().get();
            step(saved, 4);
            StateDict good = saved.stateDict();
            LrSchedule target = e.getValue().get();
            step(target, 1);
            StateDict before = target.stateDict();
            for (String key : good.values().keySet()) {
                String kind = key.substring(key.lastIndexOf('.') + 1);
                kinds.add(kind);
                List<String> bad = switch (kind) {
                    case "last_epoch" -> List.of("-5", "abc", "1.5", "NaN", "");
                    case "num_bad_epochs" -> List.of("-1", "abc", "1.5");
                    case "cooldown_counter" -> List.of("-1", "abc", "3");
                    case "best" -> List.of("NaN", "abc", "");
                    case "base_lrs", "last_lr" -> concat(NOT_A_RATE, "0.1,0.1");
                    default -> fail(e.getKey() + ": no rule for the saved value '" + key + "'");
                };
                for (String v : bad) {
                    String m = refusal(() -> target.loadStateDict(withValue(good, key, v)));
                    assertTrue(m.startsWith("loadStateDict: '" + key + "'"), e.getKey() + ": " + m);
                    assertSameState(before, target.stateDict(), e.getKey() + " after refusing " + key + "=" + v);
                }
            }
            target.loadStateDict(good);
            assertSameState(good, target.stateDict(), e.getKey());
        }
        assertEquals(Set.of("base_lrs", "best", "cooldown_counter", "last_epoch", "last_lr", "num_bad_epochs"), kinds);
    }

    private static List<String> concat(List<String> a, String b) {
        List<String> out = new java.util.ArrayList<>(a);
        out.add(b);
        return out;
    }
}
