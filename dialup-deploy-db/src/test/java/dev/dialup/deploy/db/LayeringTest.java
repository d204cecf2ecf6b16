package dev.dialup.deploy.db;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.jooq.SQLDialect;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of the library (docs/architecture.md#layers), checked on the compiled main
 * classes in every build:
 *
 * <pre>
 * API types and exceptions (dev.dialup.deploy.db)
 *   ← engine (engine, engine.jooq, engine.sqlite, engine.registry) and the generated jOOQ code
 *   ← backup ← migration ← core (DialupDatabase, AccessScope)
 *   ← access (TenantFilter, Inputs, AuditLog writer, UniqueConstraints)
 *   ← domain repositories (tenancy, sites, deploy, secrets, audit, config, usage, admin)
 *   ← integration, ops (maintenance and operations) ← CLI (its own artifact)
 * </pre>
 */
class LayeringTest {
    private static final String ROOT = "dev.dialup.deploy.db";
    private static final String[] DOMAIN = {
        ROOT + ".tenancy..",
        ROOT + ".sites..",
        ROOT + ".deploy..",
        ROOT + ".secrets..",
        ROOT + ".audit..",
        ROOT + ".config..",
        ROOT + ".usage..",
        ROOT + ".admin.."
    };
    /** Packages a service may use: everything else is internal and may change without notice. */
    static final Set<String> API_PACKAGES = Set.of(
            ROOT,
            ROOT + ".core",
            ROOT + ".backup",
            ROOT + ".ops",
            ROOT + ".integration",
            ROOT + ".tenancy",
            ROOT + ".sites",
            ROOT + ".deploy",
            ROOT + ".secrets",
            ROOT + ".audit",
            ROOT + ".config",
            ROOT + ".usage",
            ROOT + ".admin",
            ROOT + ".generated",
            ROOT + ".generated.tables",
            ROOT + ".generated.tables.records",
            ROOT + ".generated.tables.pojos");

    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(ROOT);
    }

    @Test
    void layersOnlyUseTheLayersBelowThem() {
        layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .layer("API")
                .definedBy(ROOT)
                .layer("Engine")
                .definedBy(ROOT + ".engine..")
                .layer("Generated")
                .definedBy(ROOT + ".generated..")
                .layer("Backup")
                .definedBy(ROOT + ".backup..")
                .layer("Migration")
                .definedBy(ROOT + ".migration..")
                .layer("Core")
                .definedBy(ROOT + ".core..")
                .layer("Access")
                .definedBy(ROOT + ".access..")
                .layer("Domain")
                .definedBy(DOMAIN)
                .layer("Integration")
                .definedBy(ROOT + ".integration..")
                .layer("Operations")
                .definedBy(ROOT + ".ops..")
                .whereLayer("Operations")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("Integration")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("Domain")
                .mayOnlyBeAccessedByLayers("Integration", "Operations")
                .whereLayer("Access")
                .mayOnlyBeAccessedByLayers("Domain", "Integration", "Operations")
                .whereLayer("Core")
                .mayOnlyBeAccessedByLayers("Access", "Domain", "Integration", "Operations")
                .whereLayer("Migration")
                .mayOnlyBeAccessedByLayers("Core", "Operations")
                .whereLayer("Backup")
                .mayOnlyBeAccessedByLayers("Core", "Operations")
                // Generated code: the repositories (with their access helpers and the dashboard's queries) and the
                // engine.
                .whereLayer("Generated")
                .mayOnlyBeAccessedByLayers("Engine", "Access", "Domain", "Integration")
                .whereLayer("Engine")
                .mayOnlyBeAccessedByLayers(
                        "Generated", "Backup", "Migration", "Core", "Access", "Domain", "Integration", "Operations")
                .check(classes);
    }

    @Test
    void noPackageCycles() {
        // jOOQ's generated packages refer to each other (tables <-> records): one unit, checked as such.
        slices().matching("dev.dialup.deploy.(**)")
                .should()
                .beFreeOfCycles()
                .ignoreDependency(resideInAPackage(ROOT + ".generated.."), resideInAPackage(ROOT + ".generated.."))
                .check(classes);
    }

    @Test
    void domainPackagesNeverReachUpToOperationsIntegrationOrTheCli() {
        noClasses()
                .that()
                .resideInAnyPackage(DOMAIN)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(ROOT + ".ops..", ROOT + ".integration..", ROOT + ".cli..")
                .check(classes);
    }

    @Test
    void sqliteLivesOnlyBehindTheEngineSeam() {
        noClasses()
                .that()
                .resideOutsideOfPackages(ROOT + ".engine.sqlite..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("org.sqlite..")
                .check(classes);
        noClasses()
                .that()
                .resideOutsideOfPackage(ROOT + ".engine..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage(ROOT + ".engine.sqlite..")
                .check(classes);
        noClasses()
                .that()
                .resideOutsideOfPackages(ROOT + ".engine..")
                .should()
                .accessField(SQLDialect.class, "SQLITE")
                .check(classes);
    }

    @Test
    void theExportedApiNeverExposesInternalTypes() {
        ArchRuleDefinition.classes()
                .that()
                .arePublic()
                .and(inApi())
                .should(exposeOnlyApiTypes())
                .check(classes);
    }

    private static com.tngtech.archunit.base.DescribedPredicate<JavaClass> inApi() {
        return com.tngtech.archunit.base.DescribedPredicate.describe(
                "are in an API package", c -> API_PACKAGES.contains(c.getPackageName()));
    }

    private static boolean internal(JavaClass type) {
        JavaClass t = type;
        while (t.isArray()) {
            t = t.getComponentType();
        }
        return t.getPackageName().startsWith(ROOT) && !API_PACKAGES.contains(t.getPackageName());
    }

    private static ArchCondition<JavaClass> exposeOnlyApiTypes() {
        return new ArchCondition<>("expose only API types in public signatures") {
            @Override
            public void check(JavaClass c, ConditionEvents events) {
                List<String> leaks = new ArrayList<>();
                c.getRawSuperclass().filter(LayeringTest::internal).ifPresent(s -> leaks.add("extends " + s.getName()));
                c.getRawInterfaces().stream()
                        .filter(LayeringTest::internal)
                        .forEach(i -> leaks.add("implements " + i.getName()));
                Stream.concat(c.getMethods().stream(), c.getConstructors().stream())
                        .filter(m -> m.getModifiers().contains(JavaModifier.PUBLIC))
                        .forEach(m -> signature(m, leaks));
                for (JavaField f : c.getFields()) {
                    if (f.getModifiers().contains(JavaModifier.PUBLIC) && internal(f.getRawType())) {
                        leaks.add(f.getFullName() + ": " + f.getRawType().getName());
                    }
                }
                for (String leak : leaks) {
                    events.add(SimpleConditionEvent.violated(c, c.getName() + " exposes internal type: " + leak));
                }
            }
        };
    }

    private static void signature(JavaCodeUnit m, List<String> leaks) {
        if (internal(m.getRawReturnType())) {
            leaks.add(m.getFullName() + " returns " + m.getRawReturnType().getName());
        }
        for (JavaClass p : m.getRawParameterTypes()) {
            if (internal(p)) {
                leaks.add(m.getFullName() + " takes " + p.getName());
            }
        }
    }
}
