package org.tapegrad.nn;

import java.util.List;

/**
 * What {@link Layer#loadStateDict} could not match, as PyTorch's {@code _IncompatibleKeys}.
 *
 * @param missingKeys    names the module has and the state dict lacks (left unchanged)
 * @param unexpectedKeys names the state dict has and the module lacks (ignored)
 */
public record LoadResult(List<String> missingKeys, List<String> unexpectedKeys) {
    /** Copies both lists (unmodifiable). */
    public LoadResult {
        missingKeys = List.copyOf(missingKeys);
        unexpectedKeys = List.copyOf(unexpectedKeys);
    }

    /** True when every name matched. */
    public boolean isComplete() {
        return missingKeys.isEmpty() && unexpectedKeys.isEmpty();
    }
}
