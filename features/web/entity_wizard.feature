Feature: Add-legal-entity wizard

  Scenario: Adding a Delaware corporation end to end
    When I open the add-entity wizard and enter "Example Holdings Inc." in jurisdiction "US-DE" with legal form "XTIQ"
    And I add "Jane Doe" as director from 2024-01-15 and issue 1,000 ordinary shares to the parent entity
    And I confirm on the review step
    Then the host receives a "charter:entity-created" event
    And the entity appears in the list and in the parent's structure chart

  Scenario: A legal form that does not fit the jurisdiction
    When I choose jurisdiction "FR" and then try legal form "2HBR"
    Then the wizard shows the error next to the legal form field and does not advance

  Scenario: Going back keeps what was typed
    When I fill three steps, go back to the first and forward again
    Then every value is still there

  Scenario: A draft survives a reload
    When I fill three steps and reload the page
    Then the wizard reopens on the same step and every value is still there

  Scenario: An LEI is checked as it is typed
    When I type the LEI "851WYGNLUQLFZBSYGB57" in the registration step
    Then the wizard says the check digits do not match
    And after correcting it to "851WYGNLUQLFZBSYGB56" the LEI is accepted
