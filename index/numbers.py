"""Numbers written as words, "one" to "ninety": the one table that the date tagger (`index.dates`:
"seventeen years", "nineteen eighty-four") and answer selection (`index.answer`: "three million" for a
question's 3,000,000) read."""

ONES = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
         "nineteen")
TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
NUMBER_WORDS = {word: value for value, word in enumerate(ONES + TEENS, 1)} | {
    word: 10 * tens for tens, word in enumerate(TENS, 2)}
