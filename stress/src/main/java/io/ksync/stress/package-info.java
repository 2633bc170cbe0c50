/**
 * jcstress tests for every memory-ordering claim ksync makes, one package per library family
 * ({@code io.ksync.stress.lock} tests {@code io.ksync.lock}, ...), plus {@code io.ksync.stress.busted}: deliberately
 * broken implementations whose tests must fail, proving the harness can catch the bug it looks for.
 *
 * <p>Conventions: a test is named after the property or litmus shape it checks ({@code Mutex}, {@code TornRead},
 * {@code MP}, {@code SB}, {@code LB}); variants of one shape are nested classes; every outcome carries a
 * {@code desc}, and an outcome that the primitive's contract rules out is {@code FORBIDDEN}. Readers read fields
 * in the reverse of the order the writer wrote them, which turns a torn read into the message-passing shape
 * (a reader that saw the second store must see the first) and widens the window a broken implementation needs.
 */
package io.ksync.stress;
