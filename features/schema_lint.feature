Feature: Schema lint guards the isolation rules
  Every data-plane table must keep tenants apart by itself; the lint reads
  the live catalogue of a freshly migrated database.

  Scenario: A freshly migrated data-plane database passes the lint
    Given a freshly provisioned shared database
    Then the schema lint reports no violation
    And the application role is not superuser, not BYPASSRLS and owns nothing

  Scenario Outline: The lint catches a table that breaks a rule
    Given a freshly provisioned shared database
    When the migration role adds a table that <defect>
    Then the schema lint reports the rule "<rule>" for that table

    Examples:
      | defect                                       | rule                      |
      | has no row-level security                    | rls_enabled               |
      | has row-level security that is not forced    | rls_forced                |
      | has a primary key without tenant_id first    | pk_leads_with_tenant_id   |
      | has a unique constraint without tenant_id    | unique_includes_tenant_id |
      | has a foreign key without tenant_id          | fk_leads_with_tenant_id   |
      | has a permissive policy that lets every row through | tenant_policy      |
      | has no tenant_id column                      | tenant_id_column          |
      | uses a sequence for its ids                  | no_sequences              |
