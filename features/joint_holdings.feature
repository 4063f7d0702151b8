Feature: Joint holdings
  Shares registered in several persons' names together (spouses, trustees,
  executors) are one holder: one line of the register with the first-named
  holder first, and each joint holder counts the whole holding as a
  beneficial owner.

  Background:
    Given entity "HoldCo" with class "Ordinary" of 1,000 authorised shares
    And 700 shares issued to "Kim Park" on 2022-01-01

  Scenario: Shares issued to joint holders are one line of the register
    When 300 shares are issued jointly to "Ann Lee" and "Bo Lee" on 2023-01-01
    Then the register as of 2023-06-30 lists the joint holding of "Ann Lee" and "Bo Lee" with 300 shares (30 %)
    And the register exported as CSV lists the joint holding "Ann Lee and Bo Lee" with 300 shares

  Scenario: Naming the same persons in the same order reaches the same holding
    When 100 shares are issued jointly to "Ann Lee" and "Bo Lee" on 2023-01-01
    And 100 shares are issued jointly to "Ann Lee" and "Bo Lee" on 2023-02-01
    And 100 shares are issued jointly to "Bo Lee" and "Ann Lee" on 2023-03-01
    Then the register as of 2023-06-30 lists the joint holding of "Ann Lee" and "Bo Lee" with 200 shares (20 %)
    And the register as of 2023-06-30 lists the joint holding of "Bo Lee" and "Ann Lee" with 100 shares (10 %)

  Scenario: Each joint holder is a beneficial owner of the whole joint holding
    When 300 shares are issued jointly to "Ann Lee" and "Bo Lee" on 2023-01-01
    Then "Kim Park", "Ann Lee" and "Bo Lee" are the beneficial owners of "HoldCo" at the 25 % threshold
    And "Ann Lee" and "Bo Lee" each own 30 % of "HoldCo" jointly
    And the BODS statements say the interests of "Ann Lee" and "Bo Lee" are held jointly

  Scenario: Joint holders transfer out by naming their joint holding
    Given 300 shares are issued jointly to "Ann Lee" and "Bo Lee" on 2023-01-01
    When the joint holding of "Ann Lee" and "Bo Lee" transfers 200 shares to "Kim Park" on 2024-01-01
    Then the register as of 2024-06-30 lists the joint holding of "Ann Lee" and "Bo Lee" with 100 shares (10 %)
    And "Kim Park" is a beneficial owner of "HoldCo" at the 25 % threshold
    And "Ann Lee" is not a beneficial owner of "HoldCo" at the 25 % threshold
