/** Runnable programs ({@code java -jar examples/target/tapegrad-examples.jar --help}) and benchmarks. */
package org.tapegrad.examples;
