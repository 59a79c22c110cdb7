package dev.marina.provisioner;

import dev.marina.testkit.KafkaTestResource;
import dev.marina.testkit.ServiceBasicsContract;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
class ProvisionerBasicsIT extends ServiceBasicsContract {}
