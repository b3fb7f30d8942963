from index.clean import clean, is_furniture
from tests.helpers import FURNITURE, SEEDS


def test_seed_furniture_is_removed_and_prose_kept() -> None:
    for path in SEEDS.glob("*.txt"):
        text = clean(path.read_text(encoding="utf-8"))
        for phrase in FURNITURE:
            assert phrase not in text, (path.name, phrase)
    scmp = clean((SEEDS / "002_1af863bfc7ff0215.txt").read_text(encoding="utf-8"))
    assert "All economic cooperation has been suspended" in scmp
    assert scmp.startswith("Chinese senior officials' South Korea trip")


def test_paragraphs_are_separated_by_one_blank_line() -> None:
    assert clean("One.\n\n\n\nTwo.\r\nThree.") == "One.\n\nTwo.\n\nThree."


def test_hard_wrapped_sentences_are_joined() -> None:
    assert clean("The talks will involve\nvice ministers.") == "The talks will involve vice ministers."


def test_short_bullets_are_furniture_but_sentences_are_not() -> None:
    assert is_furniture("• Dow")
    assert not is_furniture("• The ministry said talks would resume on Tuesday.")
    assert not is_furniture("Seoul says North Korea may have sent 5 million shells to Russia.")


def test_promotions_credits_and_bylines_are_furniture() -> None:
    for line in ["(You can get “5 Things” delivered to your inbox daily. Sign up here.)",
                 "Please support our journalism by subscribing today at example.com/subscribe.",
                 "To see all the updates from Wednesday, visit the link below:",
                 "Contributing: Jane Roe, USA TODAY; John Doe, The Associated Press",
                 "Additional reporting by Jane Roe and John Doe.",
                 "― Jane Roe, USA Today"]:
        assert is_furniture(line), line
    for line in ["Contributing factors included heavy rain, officials said.",
                 "Reporting by the Times showed the mayor knew.",
                 "— Biden, speaking in Florida, said the state would rebuild."]:
        assert not is_furniture(line), line


def test_newsletter_notes_and_tv_promotions_are_furniture() -> None:
    for line in ["A version of this story appeared in the May 3 edition of CNN's Garden News.",
                 "Editor’s Note: A version of this article first appeared in CNN’s Tea Time newsletter.",
                 "Lisbon (CNN) A version of this story was initially published in 2019.",
                 "It also appears in CNN’s Morning Bell newsletter.",
                 "Other news today: a bridge reopens and a review of the autumn films.",
                 "Watch 'Harbour Lights' on CNN at 8 p.m. ET Sunday.",
                 "Watch the full debate with Jane Roe on CNN Tonight at 10 p.m.",
                 "ET Sunday.",
                 "ET/PT."]:
        assert is_furniture(line), line
    for line in ["A version of this story is told by every family in the valley, the mayor said.",
                 "The leaked version of this story appeared on Monday, officials said.",
                 "Watch the video, which shows the ferry sinking on Tuesday, the coast guard said.",
                 "Watch the parade on Main Street, which begins at 7 p.m. on Saturday.",
                 "Other news outlets reported the vote on Tuesday."]:
        assert not is_furniture(line), line


def test_newsletter_promotions_are_furniture() -> None:
    for line in ["Sign up for CNN’s Star Gazer science newsletter. Explore the universe with news on "
                 "fascinating discoveries, telescope launches, comet sightings, odd meteorites and more.",
                 "What's everyone talking about? Sign up for our buzzing newsletter to get the latest "
                 "news of the day",
                 "Contact Jo Roe at jroe@example.com. Follow her on X @joroe. Read more on the harbour and "
                 "sign up for our ferries newsletter.",
                 "Want more tips? Consider signing up for his weekly newsletter, Garden Hour, at "
                 "example.com.",
                 "HARBOUR NEWSLETTER: Sign up now to get the ferry schedule delivered daily",
                 "Get our Garden Hour newsletter in your inbox for tips on every season's planting",
                 "Would you like to receive The Harbourside newsletter ?",
                 "The Harbourside newsletter provides you with a weekly digest of ferry news.",
                 "We will use the details you have shared to manage your newsletter subscription.",
                 "Support local journalism. Subscribe to the Harbour Gazette today.",
                 "Thank you for supporting our journalism. You can subscribe to our print edition here.",
                 "Join our Garden Club! Sign up to receive the Gazette's planting tips right in your inbox"]:
        assert is_furniture(line), line
    for line in ["Residents can sign up for the county's alert system at the library, officials said.",
                 "More than 40,000 readers signed up for the newsletter in its first week, the company said.",
                 "Stay safe by following the county on social media or subscribing to our Storm Updates "
                 "newsletter at example.gov, the county said.",
                 "Lopez confirmed the wedding in her newsletter on Sunday.",
                 "The mayor wrote in the town's newsletter that the bridge would reopen in May.",
                 "The grant will support local journalism in three rural counties, the foundation said.",
                 "Scam emails that land in your inbox often ask you to sign up for a prize."]:
        assert not is_furniture(line), line
