package dev.marina.healthmonitor.metrics;

import static dev.marina.healthmonitor.metrics.DeploymentLabels.Admission.ADMITTED;
import static dev.marina.healthmonitor.metrics.DeploymentLabels.Admission.HELD;
import static dev.marina.healthmonitor.metrics.DeploymentLabels.Admission.REFUSED;
import static dev.marina.healthmonitor.metrics.DeploymentLabels.Admission.REFUSED_FIRST;
import static dev.marina.healthmonitor.metrics.DeploymentLabels.Admission.STILL_REFUSED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DeploymentLabelsTest {

    @Test
    void labels_deployments_first_come_first_served_up_to_the_cap() {
        DeploymentLabels labels = new DeploymentLabels(2);
        assertEquals(ADMITTED, labels.admit("a/one"));
        assertEquals(ADMITTED, labels.admit("a/two"));
        assertEquals(HELD, labels.admit("a/one"), "a labelled deployment keeps its label");
        assertEquals(REFUSED_FIRST, labels.admit("a/three"));
        assertEquals(2, labels.labelledCount());
        assertFalse(labels.isLabelled("a/three"));
    }

    @Test
    void a_refused_deployment_is_counted_once_and_only_the_first_refusal_is_for_the_log() {
        DeploymentLabels labels = new DeploymentLabels(1);
        labels.admit("a/one");
        assertEquals(REFUSED_FIRST, labels.admit("a/two"));
        assertEquals(STILL_REFUSED, labels.admit("a/two"), "its next samples are not new refusals");
        assertEquals(REFUSED, labels.admit("a/three"), "a further deployment is counted, without a log line");
        assertEquals(STILL_REFUSED, labels.admit("a/three"));
    }

    @Test
    void a_released_label_goes_to_the_next_deployment_that_asks_and_a_new_shortage_is_logged_again() {
        DeploymentLabels labels = new DeploymentLabels(1);
        labels.admit("a/one");
        assertEquals(REFUSED_FIRST, labels.admit("a/two"));

        assertTrue(labels.release("a/one"));
        assertEquals(ADMITTED, labels.admit("a/two"), "a refused deployment gets the label when it asks again");
        assertEquals(REFUSED_FIRST, labels.admit("a/one"), "the labels ran out again: worth one more log line");
    }

    @Test
    void releasing_a_refused_deployment_forgets_it_and_keeps_the_labels() {
        DeploymentLabels labels = new DeploymentLabels(1);
        labels.admit("a/one");
        labels.admit("a/two");
        assertFalse(labels.release("a/two"), "it held no label");
        assertTrue(labels.isLabelled("a/one"));
        assertEquals(REFUSED, labels.admit("a/two"), "asks again after deletion and re-creation: a new refusal");
    }

    @Test
    void remembers_a_bounded_number_of_refused_deployments() {
        DeploymentLabels labels = new DeploymentLabels(1);
        labels.admit("a/labelled");
        int memory = DeploymentLabels.REFUSED_MEMORY_FACTOR;
        for (int i = 0; i <= memory; i++) {
            labels.admit("flood/d" + i);
        }
        // d0 was the least recently refused and is forgotten; d1..d10 are remembered.
        assertEquals(REFUSED, labels.admit("flood/d0"), "forgotten, so counted again");
        assertEquals(STILL_REFUSED, labels.admit("flood/d" + memory));
    }

    @Test
    void a_cap_of_zero_labels_nothing() {
        DeploymentLabels labels = new DeploymentLabels(0);
        assertEquals(REFUSED_FIRST, labels.admit("a/one"));
        assertEquals(0, labels.labelledCount());
        assertThrows(IllegalArgumentException.class, () -> new DeploymentLabels(-1));
    }
}
