Feature: Effective dating
  Scenario: A scheduled name change
    Given an entity "Alpha Ltd" created effective 2020-01-01
    When I change its legal name to "Beta Ltd" effective 2030-06-01
    Then as of 2030-05-31 its legal name is "Alpha Ltd"
    And as of 2030-06-01 its legal name is "Beta Ltd"
    And its history lists both names with their periods

  Scenario: A back-dated correction keeps what was known before it
    Given an entity "Alpha Ltd" recorded as "active" from 2020-01-01
    When I correct its status to "dormant" from 2024-01-01 with reason "late filing"
    Then as of 2024-06-01 its status is "dormant"
    And as of 2024-06-01, known at a time before the correction, its status is "active"

  Scenario: Directors over time
    Given "Jane Doe" appointed director of "Alpha Ltd" on 2021-03-01 and ceased on 2024-02-29
    Then the directors of "Alpha Ltd" as of 2023-12-31 include "Jane Doe"
    And the directors of "Alpha Ltd" as of 2024-03-01 do not

  Scenario: Overlapping periods are impossible
    When two versions of one entity's registered address are written with overlapping periods, even by SQL as the application role
    Then the second is rejected

  Scenario: Lost updates are prevented
    Given two users read entity "Alpha Ltd"
    When both update it with the ETag they read
    Then the second update gets 412
