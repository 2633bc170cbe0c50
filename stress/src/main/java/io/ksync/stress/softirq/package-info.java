/**
 * jcstress tests for {@code io.ksync.softirq} ({@code kernel/softirq.c}): {@code tasklet_schedule} from two
 * threads on a tasklet that may be waiting or running loses no run and adds none (a schedule that returns true
 * makes one run; one that returns false rides on the waiting run, which sees what the caller wrote before it), and
 * the tasklet never runs on two threads at once ({@code TaskletScheduleNoLostRunTest}). One {@link
 * io.ksync.softirq.Softirq} serves every state ({@code SharedSoftirq}).
 */
package io.ksync.stress.softirq;
