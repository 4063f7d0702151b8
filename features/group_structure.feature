Feature: Group structure and effective ownership
  Scenario: Indirect ownership adds up along chains
    Given "Pat Smith" holds 60 % of "A", "A" holds 80 % of "B", and "Pat Smith" holds 10 % of "B" directly
    Then the effective ownership of "Pat Smith" in "B" is 58 %
    And "Pat Smith" is a beneficial owner of "B" at the 25 % threshold
    And the BODS statements of "B" state "Pat Smith"'s shareholding as 10 % direct and 48 % indirect

  Scenario: A structure chart with a cross-holding terminates
    Given "A" holds 60 % of "B" and "B" holds 20 % of "A"
    When I request the structure chart of "A" 10 levels up and down
    Then each entity appears once and both links are shown

  Scenario: Effective ownership through a cross-holding sums every chain
    Given "Pat Smith" holds 80 % of "A", "Lee Chan" holds 40 % of "B", "A" holds 60 % of "B" and "B" holds 20 % of "A"
    Then the effective ownership of "Pat Smith" in "B" is 54.5454545 %
    And the effective ownership of "Lee Chan" in "B" is 45.4545455 %
    And "Pat Smith" and "Lee Chan" are the beneficial owners of "B" at the 25 % threshold
