"""The Maven coordinates of the Java API: the one place its version is set.

The artifact (//java:maven_artifact), its POM and the jar's manifest take the
version from here; //examples/maven:maven_example_test fails when the example's
pom.xml names another. The README's dependency snippet repeats it by hand.
"""

LSMSTORE_GROUP_ID = "io.lsmstore"
LSMSTORE_ARTIFACT_ID = "lsmstore"
LSMSTORE_VERSION = "0.1.0"
