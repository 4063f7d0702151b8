Feature: History and structure

  Scenario: As-of date changes what is shown
    Given an entity renamed from "Alpha Ltd" to "Beta Ltd" effective 2025-01-01
    When I set the as-of date to 2024-12-31
    Then the entity page shows "Alpha Ltd"

  Scenario: The structure chart draws cross-holdings and exports
    Given two entities that hold shares in each other
    When I open the structure chart of the first
    Then both entities and both share links are drawn
    And the chart exports as SVG and PNG
