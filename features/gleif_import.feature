Feature: GLEIF import
  Scenario: Importing a real group
    When I import the real GLEIF files of Shell plc (LEI 21380068P1DRHMJ8KU70) kept in the repository's test fixtures
    Then every LEI in the files is an entity of the tenant
    And the structure chart of Shell plc shows its direct children from the relationship file
    And importing the same files again creates no new entity and no new version

  Scenario: A bad record is reported and the rest imported, through the API
    When I upload a GLEIF file with Shell plc's record and a record with a broken LEI
    Then the import report refuses the broken record by its id
    And Shell plc is an entity of the tenant

  Scenario: Importing the same group from GLEIF's golden-copy CSV files, through the API
    When I upload the golden-copy CSV files of Shell plc (LEI-CDF 3.1 and RR-CDF 2.1)
    Then every LEI in the files is an entity of the tenant
    And the structure chart of Shell plc shows its direct children from the relationship file
    And importing the group's API JSON files afterwards creates no new entity, version or relationship
    And uploading a golden-copy CSV file with a broken LEI refuses that row by its LEI and imports the others

  Scenario: A record GLEIF has updated becomes a new version dated by GLEIF's own update
    When I import the real GLEIF files of Shell plc (LEI 21380068P1DRHMJ8KU70) kept in the repository's test fixtures
    And I upload Shell plc's record renamed "SHELL RENAMED PLC", last updated by GLEIF on 2026-06-30
    Then the import report counts 1 entity updated with 1 fact changed and no entity created
    And Shell plc is named "SHELL PLC" as of 2026-06-29 and "SHELL RENAMED PLC" as of 2026-06-30
    And Shell plc's history keeps the old name until 2026-06-30 and gives the new one the reason "GLEIF record updated 2026-06-30"
    And the audit trail has one "entity.update" event for Shell plc and the tenant's audit chain verifies

  Scenario: A sync skips the records nothing has moved in, but never a fact edited since
    When I import the real GLEIF files of Shell plc (LEI 21380068P1DRHMJ8KU70) kept in the repository's test fixtures
    Then the register keeps a digest of every LEI record it imported
    When an entity manager renames Shell plc "SHELL LOCAL NAME" from 2020-01-01
    Then Shell plc's digest is gone and the others are kept
    When I import the real GLEIF files of Shell plc again
    Then the import report counts 1 entity updated with 1 fact changed and no entity created
    And Shell plc is named "SHELL LOCAL NAME" as of 2025-05-05 and "SHELL PLC" as of 2025-05-06
    And every other LEI record was unchanged and every LEI record has its digest again

  Scenario: A later change made in the register outlives syncs of an older GLEIF record
    When I import the real GLEIF files of Shell plc (LEI 21380068P1DRHMJ8KU70) kept in the repository's test fixtures
    And an entity manager renames Shell plc "SHELL LOCAL NAME" from 2026-01-01
    And I import the real GLEIF files of Shell plc again
    Then Shell plc is named "SHELL PLC" as of 2025-12-31 and "SHELL LOCAL NAME" as of 2026-01-01
    And importing the same files again creates no new entity and no new version

  Scenario: An LEI first known from a relationship takes its GLEIF record's facts from the day the entity began
    When I import only the relationship file of Shell plc's group
    And I import the real GLEIF files of Shell plc again
    Then every direct child of Shell plc is named as its GLEIF record says from the day it began, and never by its placeholder any more
    And importing the same files again creates no new entity and no new version

  Scenario: Two imports of the same files at once create each entity once
    When two imports of the real GLEIF files of Shell plc run at the same time
    Then both imports succeed and every LEI in the files is held by exactly one entity of the tenant

  Scenario: A fact GLEIF no longer gives ends from GLEIF's update; a fact entered in the register stays
    When I import the real GLEIF files of Shell plc (LEI 21380068P1DRHMJ8KU70) kept in the repository's test fixtures
    And an entity manager sets Shell plc's "legal_form_text" to "public limited company" from 2020-01-01
    And I upload Shell plc's record without its other names, last updated by GLEIF on 2026-06-30
    Then the import report counts 1 entity updated with 1 fact changed and no entity created
    And Shell plc's former name "ROYAL DUTCH SHELL PLC" holds as of 2026-06-29 and no other name as of 2026-06-30
    And Shell plc's "legal_form_text" is still "public limited company" as of 2026-06-30
    And importing the same record again changes nothing
