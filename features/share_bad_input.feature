Feature: Share capital refuses bad input
  Background:
    Given entity "HoldCo" with class "Ordinary" of 1,000 authorised shares

  Scenario Outline: A bad share transaction gets 422 naming the field, and nothing is written
    When I record a share transaction with <fault>
    Then the response status is 422 naming "<field>" with rule "<rule>" and the ledger is unchanged

    Examples:
      | fault                                  | field             | rule              |
      | an unknown class                       | share_class_id    | exists            |
      | an unknown holder                      | to_holder         | exists            |
      | a holder of another tenant             | to_holder         | exists            |
      | zero shares                            | shares            | positive          |
      | a negative share count                 | shares            | positive          |
      | a transfer without a holder to take from | from_holder     | required          |
      | an unknown kind                        | kind              | one_of            |
      | a conversion into the same class       | to_share_class_id | different_class   |
      | more shares than authorised            | shares            | exceeds_authorised |
      | a date before the class's authorised capital | effective_from | before_authorised_capital |
      | joint holders that include an entity   | to_holder.joint_holders[1] | person   |
      | a single joint holder                  | to_holder.joint_holders    | joint_holders |
      | the same joint holder twice            | to_holder.joint_holders    | distinct |
      | an unknown joint holder                | to_holder.joint_holders[1].person_id | exists |
      | an unknown joint holding               | to_holder         | exists            |

  Scenario Outline: A bad change of authorised capital gets 422 naming the field, and nothing changes
    When I change the authorised capital of "Ordinary" with <fault>
    Then the response status is 422 naming "<field>" with rule "<rule>" and the authorised capital is unchanged

    Examples:
      | fault                                  | field             | rule                    |
      | no number of shares                    | authorised_shares | required                |
      | zero shares                            | authorised_shares | positive                |
      | a past date and no reason              | reason            | required_for_correction |
      | a field it does not take               | name              | unknown_field           |
      | a date that is not one                 | effective_from    | date                    |
