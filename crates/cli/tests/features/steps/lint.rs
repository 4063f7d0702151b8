//! Feature: Schema lint guards the isolation rules.

use charter_storage::{admin::AdminConnection, lint::Violation};
use cucumber::{given, then, when};

use super::CharterWorld;
use crate::support::connect_as_admin;

#[derive(Default)]
pub struct State {
    database: Option<charter_storage::DbUrl>,
}

impl CharterWorld {
    async fn lint(&mut self) -> Vec<Violation> {
        let database = self.lint.database.clone().expect("a database");
        AdminConnection::connect(&database).await.expect("connect").lint_schema().await.expect("lint runs")
    }
}

#[given("a freshly provisioned shared database")]
async fn fresh_database(world: &mut CharterWorld) {
    let databases = world.deployment().await.fleet.control().list_databases().await.expect("databases");
    let shared = databases.into_iter().find(|d| d.kind.as_str() == "shared").expect("first shared database");
    world.lint.database = Some(shared.admin_url);
}

#[then("the schema lint reports no violation")]
async fn no_violation(world: &mut CharterWorld) {
    let violations = world.lint().await;
    assert!(violations.is_empty(), "{violations:#?}");
}

#[then("the application role is not superuser, not BYPASSRLS and owns nothing")]
async fn app_role_powerless(world: &mut CharterWorld) {
    let admin = connect_as_admin(world.lint.database.as_ref().expect("database")).await;
    let row = admin
        .query_one(
            "SELECT rolsuper, rolbypassrls,
                    (SELECT count(*) FROM pg_class WHERE relowner = r.oid)
                  + (SELECT count(*) FROM pg_namespace WHERE nspowner = r.oid)
                  + (SELECT count(*) FROM pg_proc WHERE proowner = r.oid)
               FROM pg_roles r WHERE rolname = 'charter_app'",
            &[],
        )
        .await
        .expect("role");
    assert!(!row.get::<_, bool>(0), "superuser");
    assert!(!row.get::<_, bool>(1), "bypassrls");
    assert_eq!(row.get::<_, i64>(2), 0, "owns objects");
    // And the schema belongs to the migration role.
    let owner: String = admin
        .query_one("SELECT pg_get_userbyid(nspowner)::text FROM pg_namespace WHERE nspname = 'charter'", &[])
        .await
        .expect("owner")
        .get(0);
    assert_eq!(owner, "charter_owner");
}

#[when(regex = r"^the migration role adds a table that (.+)$")]
async fn add_bad_table(world: &mut CharterWorld, defect: String) {
    let proper =
        "CREATE TABLE charter.lint_probe (tenant_id uuid NOT NULL, id uuid NOT NULL, code text, entity_id uuid,
                  PRIMARY KEY (tenant_id, id));";
    let isolate = "SELECT charter.enable_tenant_isolation('charter.lint_probe');";
    let sql = match defect.as_str() {
        "has no row-level security" => proper.to_owned(),
        "has row-level security that is not forced" => format!(
            "{proper} ALTER TABLE charter.lint_probe ENABLE ROW LEVEL SECURITY;
             CREATE POLICY tenant_isolation ON charter.lint_probe
               USING (tenant_id = NULLIF(current_setting('charter.tenant_id', true), '')::uuid);"
        ),
        "has a primary key without tenant_id first" => format!(
            "CREATE TABLE charter.lint_probe (tenant_id uuid NOT NULL, id uuid NOT NULL, PRIMARY KEY (id, tenant_id)); {isolate}"
        ),
        "has a unique constraint without tenant_id" => {
            format!("{proper} ALTER TABLE charter.lint_probe ADD UNIQUE (code); {isolate}")
        }
        "has a foreign key without tenant_id" => format!(
            "{proper} ALTER TABLE charter.lint_probe ADD FOREIGN KEY (entity_id, tenant_id)
               REFERENCES charter.legal_entity (id, tenant_id); {isolate}"
        ),
        "has a permissive policy that lets every row through" => {
            format!("{proper} {isolate} CREATE POLICY everyone ON charter.lint_probe USING (true);")
        }
        "has no tenant_id column" => "CREATE TABLE charter.lint_probe (id uuid PRIMARY KEY);
             ALTER TABLE charter.lint_probe ENABLE ROW LEVEL SECURITY;
             ALTER TABLE charter.lint_probe FORCE ROW LEVEL SECURITY;"
            .to_owned(),
        "uses a sequence for its ids" => format!(
            "CREATE TABLE charter.lint_probe (tenant_id uuid NOT NULL, id bigint GENERATED ALWAYS AS IDENTITY,
               PRIMARY KEY (tenant_id, id)); {isolate}"
        ),
        other => panic!("unknown defect: {other}"),
    };
    let admin = connect_as_admin(world.lint.database.as_ref().expect("database")).await;
    admin.batch_execute(&format!("BEGIN; SET LOCAL ROLE charter_owner; {sql} COMMIT;")).await.expect("add the table");
}

#[then(expr = "the schema lint reports the rule {string} for that table")]
async fn reports_rule(world: &mut CharterWorld, rule: String) {
    let violations = world.lint().await;
    assert!(
        violations.iter().any(|v| v.rule == rule && v.object.contains("lint_probe")),
        "expected {rule} for charter.lint_probe, got {violations:#?}"
    );
    assert!(violations.iter().all(|v| v.object.contains("lint_probe")), "only the probe breaks rules: {violations:#?}");
}
