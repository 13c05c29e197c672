package io.aepool.publish;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The code version in the fingerprint changes whenever the code does, even without a release. */
class CodeVersionTest {

    @TempDir
    Path dir;

    @Test
    void theVersionIsTheReleaseOrDevPlusAHashOfTheCode() {
        // tests run from a classes directory, without a jar manifest
        assertTrue(CodeVersion.current().matches("dev\\+[0-9a-f]{12}"), CodeVersion.current());
        assertEquals(CodeVersion.current(), CodeVersion.current());
    }

    @Test
    void anyChangedClassFileChangesTheHashOtherFilesDoNot() throws Exception {
        Files.createDirectories(dir.resolve("io/aepool"));
        Files.write(dir.resolve("io/aepool/A.class"), new byte[] {1, 2});
        Files.write(dir.resolve("io/aepool/B.class"), new byte[] {3});
        String before = CodeVersion.codeHash(dir);
        assertEquals(before, CodeVersion.codeHash(dir));

        Files.writeString(dir.resolve("io/aepool/notes.txt"), "not code");
        assertEquals(before, CodeVersion.codeHash(dir));

        Files.write(dir.resolve("io/aepool/B.class"), new byte[] {4});
        assertNotEquals(before, CodeVersion.codeHash(dir));
    }

    @Test
    void aJarIsHashedAsOneFile() throws Exception {
        Path jar = dir.resolve("aepool.jar");
        Files.write(jar, new byte[] {80, 75, 3, 4});
        assertEquals(RunManifestTest.sha256(new byte[] {80, 75, 3, 4}).substring(0, 12), CodeVersion.codeHash(jar));
    }
}
