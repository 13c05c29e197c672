package io.aepool.compute;

import io.aepool.plan.Pool;
import io.aepool.plan.StudyRecord;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What every analysis task needs, broadcast once: the pools and the (small) study table. */
record StudyTable(LinkedHashMap<String, Pool> pools, ArrayList<StudyRecord> studies) implements Serializable {

    static StudyTable of(Map<String, Pool> pools, List<StudyRecord> studies) {
        return new StudyTable(new LinkedHashMap<>(pools), new ArrayList<>(studies));
    }
}
