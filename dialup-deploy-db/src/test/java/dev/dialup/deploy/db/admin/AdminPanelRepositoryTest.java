package dev.dialup.deploy.db.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.dialup.deploy.db.Page;
import dev.dialup.deploy.db.PageCursor;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.core.OrgRole;
import dev.dialup.deploy.db.sites.SiteConfig;
import dev.dialup.deploy.db.sites.SiteRepository;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.TempDatabase;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@BothEngines
class AdminPanelRepositoryTest {
    AccessScope PANEL;

    @RegisterExtension
    final TempDatabase temp = TempDatabase.create();

    DialupDatabase db;
    AdminPanelRepository panel;
    Fixtures f;

    @BeforeEach
    void open() {
        db = temp.db();
        PANEL = db.systemScope("admin-panel");
        panel = new AdminPanelRepository(db);
        f = new Fixtures(db);
    }

    @Test
    void userListCountsPersonalSitesAndMemberships() {
        long alice = f.user("alice");
        long bob = f.user("bob");
        f.personalSite("A1", alice);
        f.personalSite("A2", alice);
        long org = f.org("Acme", alice);
        f.member(org, bob, OrgRole.MEMBER);
        f.org("Bobs Org", bob);

        List<UserSummary> users = panel.users(PANEL, null, 10).items();

        assertThat(users)
                .extracting(UserSummary::username, UserSummary::personalSiteCount, UserSummary::organizationCount)
                .containsExactly(tuple("alice", 2, 1), tuple("bob", 0, 2));
    }

    @Test
    void organizationSummariesSplitSitesByStatus() {
        long alice = f.user("alice");
        long org = f.org("Acme", alice);
        f.member(org, f.user("bob"), OrgRole.ADMIN);
        f.orgSite("Web", org);
        long api = f.orgSite("Api", org);
        f.orgSite("Docs", org);
        new SiteRepository(db).update(PANEL, api, SiteConfig.defaults().withActive(false));
        f.org("Empty", f.user("carol"));

        List<OrganizationSummary> orgs = panel.organizations(PANEL, null, 10).items();

        assertThat(orgs)
                .extracting(
                        OrganizationSummary::name,
                        OrganizationSummary::memberCount,
                        OrganizationSummary::activeSiteCount,
                        OrganizationSummary::inactiveSiteCount)
                .containsExactly(tuple("Acme", 2, 2, 1), tuple("Empty", 1, 0, 0));
    }

    @Test
    void bothListsPageByIdWithoutDuplicatesOrGaps() {
        List<Long> created = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            long u = f.user("user" + i);
            f.org("Org " + i, u);
            created.add(u);
        }
        List<Long> users = new ArrayList<>();
        List<Long> orgs = new ArrayList<>();
        PageCursor cu = null;
        PageCursor co = null;
        do {
            Page<UserSummary> p = panel.users(PANEL, cu, 5);
            p.items().forEach(u -> users.add(u.id()));
            cu = p.next().orElse(null);
        } while (cu != null);
        do {
            Page<OrganizationSummary> p = panel.organizations(PANEL, co, 5);
            p.items().forEach(o -> orgs.add(o.id()));
            co = p.next().orElse(null);
        } while (co != null);

        assertThat(users).containsExactlyElementsOf(created);
        assertThat(orgs).hasSize(12).doesNotHaveDuplicates().isSorted();
    }
}
