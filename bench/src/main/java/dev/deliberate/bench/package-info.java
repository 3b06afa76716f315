/**
 * Benchmarks behind {@code deliberate bench}: each harness runs the measured work several times in one
 * process, reports medians, and prints a reference figure beside ours so the ratio is visible.
 */
package dev.deliberate.bench;
