"""Which dated sentences are one happening (index.grouping), on vectors chosen for the case."""

import numpy as np

from index.grouping import Mention, same_happening_groups


def vectors(n: int, alike: dict[tuple[int, int], float]) -> np.ndarray:
    """Unit vectors, orthogonal but for the given pairs' cosines (each pair shares one extra axis)."""
    out = np.zeros((n, n + len(alike)))
    out[:, :n] = np.eye(n)
    for k, ((i, j), cosine) in enumerate(alike.items()):
        out[i, n + k] = out[j, n + k] = np.sqrt(cosine / (1 - cosine))
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_a_place_most_sentences_name_does_not_make_two_happenings_one() -> None:
    """Shelters and a request for aid on one Monday, both in Florida, as every sentence of the story is:
    two entries. Truss's resignation told twice: one, though every sentence of her story names her."""
    storm = [Mention("Officials in Florida opened shelters on Monday.", "Monday", "2022-09-26"),
             Mention("The governor of Florida asked Washington for aid on Monday.", "Monday", "2022-09-26"),
             *(Mention(f"Rain fell across Florida on Sept. {d}.", f"Sept. {d}", f"2022-09-{d}")
               for d in (27, 28, 29, 30))]
    clauses = vectors(6, {})
    sentences = vectors(6, {(0, 1): 0.5})
    assert [0, 1] not in same_happening_groups(storm, clauses, sentences, {"ian"})
    truss = [Mention("Liz Truss quit on Thursday after 45 days.", "Thursday", "2022-10-20"),
             Mention("Truss said Thursday that she would step down.", "Thursday", "2022-10-20"),
             *(Mention(f"Truss spoke on Oct. {d}.", f"Oct. {d}", f"2022-10-0{d}") for d in (3, 4, 5))]
    assert [0, 1] in same_happening_groups(truss, vectors(5, {}), vectors(5, {(0, 1): 0.5}), {"liz", "truss"})
