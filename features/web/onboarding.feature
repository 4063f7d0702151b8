Feature: Client onboarding wizard

  Scenario: Business development onboards a client into a shared database
    When I complete the onboarding wizard for "Initech LLP" with placement "shared" and one custom field "Matter number"
    Then tenant "initech-llp" is live and its add-entity wizard asks for "Matter number"
