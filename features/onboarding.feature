Feature: Onboarding
  Scenario: A shared tenant is ready at once
    When a platform admin onboards "initech" with placement "shared"
    Then the response status is 201 and "initech" is placed in a shared database
    And "initech" can create and read entities immediately

  Scenario: Onboarding is idempotent
    When the same onboarding request is sent twice
    Then both responses name the same tenant and only one tenant "initech" exists

  Scenario: A dedicated tenant gets its own database with the same schema
    When a platform admin onboards "bigcorp" with placement "dedicated"
    Then a new database exists that holds only rows of "bigcorp"
    And the same API calls work for "bigcorp" as for shared tenants
