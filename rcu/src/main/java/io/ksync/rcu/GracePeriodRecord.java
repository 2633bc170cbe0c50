package io.ksync.rcu;

/**
 * A registered reader thread's record in one domain, as grace periods see it: the owner thread and the
 * flavour-specific question "does this record hold up a grace period?". Subclasses add their fields and the
 * padding after them; this class and {@link RecordPadBefore} give the padding before, so a record's hot fields
 * (written by the owner, read by grace periods) share a line with nothing else.
 */
abstract class GracePeriodRecord extends RecordPadBefore {
    final GracePeriodState domain;
    final Thread owner;

    GracePeriodRecord(GracePeriodState domain, Thread owner) {
        this.domain = domain;
        this.owner = owner;
    }

    /**
     * Whether the record, read now with opaque loads, holds up the grace period in progress.
     *
     * @param target the flavour's target: the grace-period number (epoch flavours) or the counter index (SRCU)
     */
    abstract boolean holdsUp(long target);

    /** Whether the record, read now with opaque loads, is inside any read-side section (or online, for QSBR). */
    abstract boolean holdsUpAnything();

    /**
     * Treats the owner's open sections as ended (release stores), resetting its section depth too: for a dead owner,
     * and for a callback thread that left a section open (called by the owner itself then, so its later sections
     * start from depth 0 and are protected again).
     */
    abstract void abandon();

    /** The record's section state for a stall report, such as {@code "nesting 2"}. */
    abstract String sectionState();

    /** What the reader's code should do so that it never stalls grace periods, for reports. */
    String exitAdvice() {
        return "every read-side lock needs its unlock in a finally";
    }
}

/** Padding before a record's fields: the owner writes them, grace periods read them. */
abstract class RecordPadBefore {
    byte p000, p001, p002, p003, p004, p005, p006, p007, p008, p009, p010, p011, p012, p013, p014, p015;
    byte p016, p017, p018, p019, p020, p021, p022, p023, p024, p025, p026, p027, p028, p029, p030, p031;
    byte p032, p033, p034, p035, p036, p037, p038, p039, p040, p041, p042, p043, p044, p045, p046, p047;
    byte p048, p049, p050, p051, p052, p053, p054, p055, p056, p057, p058, p059, p060, p061, p062, p063;
}
