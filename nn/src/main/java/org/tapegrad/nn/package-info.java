/** Neural-network building blocks on top of {@code org.tapegrad.core}: modules, layers, losses, initialisers. */
package org.tapegrad.nn;
