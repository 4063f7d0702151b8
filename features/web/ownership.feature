Feature: Share classes and beneficial owners

  Scenario: Adding a share class and issuing shares of it
    Given an entity without share classes
    When I add the share class "Preference" in "EUR" with 500 authorised shares on its share ledger
    Then the share classes list "Preference" with 500 authorised shares
    And recording an issuance of 200 "Preference" shares to "Ann Example" shows it in the ledger

  Scenario: Beneficial owners through a chain of entities
    Given "Pat Smith" holds 60 % of "A", "A" holds 80 % of "B", and "Pat Smith" holds 10 % of "B" directly
    When I open the ownership tab of "B"
    Then the beneficial owners list "Pat Smith" with 58.00 % of the capital
    And the BODS 0.4 statements download names "Pat Smith"

  Scenario: Raising a class's authorised capital by resolution
    Given an entity with a class "Ordinary" of 1,000 authorised shares from 2020-01-01 and 1,000 issued
    When I change the authorised capital of "Ordinary" to 5,000 from 2024-01-01 giving the reason "Ordinary resolution 12"
    Then the share classes show "Ordinary" with 5,000 authorised from 2024-01-01
    And lowering it to 900 from 2023-06-30 is refused next to the authorised shares naming 2023-06-30
