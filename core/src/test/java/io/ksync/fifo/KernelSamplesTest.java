package io.ksync.fifo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The kernel's kfifo sample modules, {@code samples/kfifo/} in the Linux tree, replayed operation by operation:
 * the same calls in the same order, checked against the values the samples print and their
 * {@code expected_result} arrays.
 */
class KernelSamplesTest {

    /** The {@code expected_result} of bytestream-example.c and inttype-example.c (FIFO_SIZE 32). */
    private static final int[] EXPECTED_RESULT = {
        3, 4, 5, 6, 7, 8, 9, 0,
        1, 20, 21, 22, 23, 24, 25, 26,
        27, 28, 29, 30, 31, 32, 33, 34,
        35, 36, 37, 38, 39, 40, 41, 42,
    };

    /** samples/kfifo/bytestream-example.c, testfunc(): a byte stream fifo of 32 bytes. */
    @Test
    void bytestreamExample() {
        ByteFifo test = new ByteFifo(32); // DECLARE_KFIFO(test, unsigned char, FIFO_SIZE)
        byte[] buf = new byte[6];

        test.in("hello".getBytes(StandardCharsets.US_ASCII), 0, 5); // kfifo_in(&test, "hello", 5)
        for (int i = 0; i != 10; i++) {
            test.put((byte) i); // kfifo_put(&test, i)
        }
        assertEquals(15, test.len()); // "fifo len: %u"

        int i = test.out(buf, 0, 5); // get max of 5 bytes from the fifo
        assertEquals("hello", new String(buf, 0, i, StandardCharsets.US_ASCII)); // "buf: %.*s"

        int ret = test.out(buf, 0, 2); // get max of 2 elements from the fifo
        assertEquals(2, ret);
        ret = test.in(buf, 0, ret); // and put it back to the end of the fifo
        assertEquals(2, ret);

        assertEquals(1, test.skip(1)); // kfifo_skip: skip first element of the fifo

        for (i = 20; test.put((byte) i); i++) { // put values into the fifo until is full
            continue;
        }
        assertEquals(32, test.len()); // "queue len: %u"

        assertEquals(3, test.peek()); // show the first value without removing from the fifo

        int j = 0; // check the correctness of all values in the fifo
        int value;
        while ((value = test.get()) >= 0) {
            assertEquals(EXPECTED_RESULT[j++], value, "value mismatch: test failed");
        }
        assertEquals(EXPECTED_RESULT.length, j, "size mismatch: test failed");
    }

    /**
     * samples/kfifo/inttype-example.c, testfunc(): an int fifo of 32 elements (the sample as it has been since
     * it gained its expected_result check; older trees only printed the values).
     */
    @Test
    void inttypeExample() {
        Kfifo<Integer> test = new Kfifo<>(32); // DEFINE_KFIFO(test, int, FIFO_SIZE)
        Integer[] buf = new Integer[6];

        for (int i = 0; i != 10; i++) {
            test.put(i); // kfifo_put(&test, i)
        }
        assertEquals(10, test.len()); // "fifo len: %u"

        int ret = test.out(buf, 0, 2); // get max of 2 elements from the fifo
        assertEquals(2, ret);
        ret = test.in(buf, 0, ret); // and put it back to the end of the fifo
        assertEquals(2, ret);

        assertTrue(test.skip()); // kfifo_skip: skip first element of the fifo

        for (int i = 20; test.put(i); i++) { // put values into the fifo until is full
            continue;
        }
        assertEquals(32, test.len()); // "queue len: %u"

        assertEquals(3, test.peek()); // show the first value without removing from the fifo

        int j = 0; // check the correctness of all values in the fifo
        Integer value;
        while ((value = test.get()) != null) {
            assertEquals(EXPECTED_RESULT[j++], value, "value mismatch: test failed");
        }
        assertEquals(EXPECTED_RESULT.length, j, "size mismatch: test failed");
    }

    /** samples/kfifo/record-example.c, testfunc(): a record fifo of 128 bytes with 1-byte headers. */
    @Test
    void recordExample() {
        RecordFifo test = new RecordFifo(128, 1); // STRUCT_KFIFO_REC_1(FIFO_SIZE)
        final String[] expectedResult = {
            "a", "bb", "ccc", "dddd", "eeeee", "ffffff", "ggggggg", "hhhhhhhh", "iiiiiiiii", "jjjjjjjjjj",
        };
        byte[] buf = new byte[100];
        byte[] hello = {'h', 'e', 'l', 'l', 'o', 0}; // struct { unsigned char buf[6]; } hello = { "hello" }

        test.in(hello, 0, hello.length); // kfifo_in(&test, &hello, sizeof(hello))
        assertEquals(6, test.peekLength()); // "fifo peek len: %u"

        for (int i = 0; i < 10; i++) { // put in variable length data
            Arrays.fill(buf, 0, i + 1, (byte) ('a' + i));
            test.in(buf, 0, i + 1);
        }

        assertTrue(test.skip()); // kfifo_skip: skip first element of the fifo
        assertEquals(65, test.len()); // "fifo len: %u": ten records of 1..10 bytes, each behind a 1-byte header

        int ret = test.outPeek(buf, 0, buf.length); // show the first record without removing from the fifo
        assertEquals("a", new String(buf, 0, ret, StandardCharsets.US_ASCII));

        int i = 0; // check the correctness of all values in the fifo
        while (!test.isEmpty()) {
            ret = test.out(buf, 0, buf.length);
            assertEquals(expectedResult[i++], new String(buf, 0, ret, StandardCharsets.US_ASCII),
                    "value mismatch: test failed");
        }
        assertEquals(expectedResult.length, i, "size mismatch: test failed");
        assertArrayEquals(new byte[0], Arrays.copyOf(buf, 0));
    }
}
