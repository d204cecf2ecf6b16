package dev.dialup.deploy.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.core.DialupDatabase;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every public method of every public {@code *Repository} class must be exercised by a
 * cross-tenant matrix test. Matrix tests are the test classes named {@code *MatrixTest};
 * each declares what it covers with
 * {@code public static Set<String> coveredMethods()} returning {@code "UserRepository#register"}
 * style names. Adding a repository method without a matrix row fails this test.
 */
class RepositoryMatrixCoverageTest {

    @Test
    void everyPublicRepositoryMethodIsCoveredByACrossTenantMatrixTest() throws Exception {
        Set<String> required = new TreeSet<>();
        for (Class<?> repo : classesUnder(DialupDatabase.class, name -> name.endsWith("Repository"))) {
            if (!Modifier.isPublic(repo.getModifiers()) || repo.isInterface()) continue;
            for (Method m : repo.getDeclaredMethods()) {
                if (Modifier.isPublic(m.getModifiers()) && !m.isSynthetic()) {
                    required.add(repo.getSimpleName() + "#" + m.getName());
                }
            }
        }
        Set<String> covered = new TreeSet<>();
        for (Class<?> matrix : classesUnder(RepositoryMatrixCoverageTest.class, name -> name.endsWith("MatrixTest"))) {
            Method m = matrix.getDeclaredMethod("coveredMethods");
            m.setAccessible(true);
            @SuppressWarnings("unchecked")
            Set<String> names = (Set<String>) m.invoke(null);
            covered.addAll(names);
        }
        Set<String> missing = new TreeSet<>(required);
        missing.removeAll(covered);
        assertThat(missing)
                .as("public repository methods without a cross-tenant matrix row")
                .isEmpty();
    }

    /** Classes compiled into the same output directory as {@code anchor}, filtered by simple name. */
    static List<Class<?>> classesUnder(Class<?> anchor, java.util.function.Predicate<String> simpleName)
            throws IOException, URISyntaxException, ClassNotFoundException {
        Path root = Path.of(
                anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<Class<?>> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")
                            && !p.getFileName().toString().contains("$"))
                    .toList()) {
                String rel = root.relativize(f).toString();
                String cls = rel.substring(0, rel.length() - ".class".length())
                        .replace(f.getFileSystem().getSeparator(), ".");
                String simple = cls.substring(cls.lastIndexOf('.') + 1);
                if (cls.startsWith("dev.dialup.deploy.db") && simpleName.test(simple)) {
                    out.add(Class.forName(cls));
                }
            }
        }
        return out;
    }

    static Set<String> names(Class<?> repo, String... methods) {
        Set<String> s = new TreeSet<>();
        Arrays.stream(methods).forEach(m -> s.add(repo.getSimpleName() + "#" + m));
        return s;
    }
}
