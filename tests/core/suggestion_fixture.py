"""Encounters written and labelled by hand for measuring the suggestion rules: each line is (speaker, text,
codes a coder would give that utterance). Lines are varied on purpose: commands phrased as requests, reasons
without "because", swearing by the subject (not the officer's), harmless words that look like triggers."""

from __future__ import annotations

from types import SimpleNamespace

OFF, S = "PC Smith", "Subject"

ENCOUNTERS: list[list[tuple[str, str, set[str]]]] = [
    [  # escalated: a command first, no reason in the opening
        (OFF, "Oi, stop there. Take your hands out of your pockets.", {"command", "command_before_reason"}),
        (S, "What the fuck for? I haven't done anything.", set()),
        (OFF, "Get on the floor now or I'll taser you.", {"command", "threat_warning"}),
        (S, "Alright, alright.", set()),
        (
            OFF,
            "You're detained for the purpose of a search under section 23 of the Misuse of Drugs Act.",
            {"gowisely_detained", "gowisely_legal_power"},
        ),
    ],
    [  # explained first: reason and identity before any instruction
        (
            OFF,
            "Good afternoon, my name is PC Smith from Brixton police station.",
            {"self_introduction", "gowisely_identity", "gowisely_station"},
        ),
        (
            OFF,
            "The reason I've stopped you is that you match the description of a man seen running from the shop.",
            {"reason_given", "gowisely_grounds"},
        ),
        (S, "Seriously? That wasn't me.", set()),
        (
            OFF,
            "I understand. I'm going to search you for stolen phones, it won't take long.",
            {"gowisely_object"},
        ),
        (OFF, "Could you take your hands out of your pockets for me please?", set()),
        (OFF, "You're entitled to a copy of the search record.", {"gowisely_entitlement"}),
        (OFF, "Thanks for your patience, you're free to go.", set()),
    ],
    [
        (OFF, "Evening. We've had a report of a car being broken into on this street.", {"reason_given"}),
        (S, "And? It's my car.", set()),
        (OFF, "That's fine. Can you show me some ID?", set()),
        (S, "Piss off, I don't have to show you anything.", set()),
        (
            OFF,
            "Calm down. If you keep shouting I will arrest you for a public order offence.",
            {"command", "threat_warning"},
        ),
        (OFF, "This is your final warning.", {"threat_warning"}),
    ],
    [
        (OFF, "Stay where you are! Hands where I can see them!", {"command", "command_before_reason"}),
        (S, "Don't shoot, don't shoot.", set()),
        (OFF, "Turn around and face the wall.", {"command"}),
        (OFF, "I'm PC Jones, collar number 4471, from Lewisham.", {"self_introduction", "gowisely_identity"}),
        (
            OFF,
            "I can smell cannabis, so I'm going to search you under section 23.",
            {"gowisely_grounds", "gowisely_legal_power", "reason_given"},
        ),
    ],
    [  # officer swears at the subject
        (
            OFF,
            "What are you doing, you idiot? Get back in the car.",
            {"insult_profanity", "command", "command_before_reason"},
        ),
        (S, "Sorry officer.", set()),
        (OFF, "Don't move. Shit, where did the other one go?", {"command", "insult_profanity"}),
        (
            OFF,
            "Right, the grounds for the search are that you were seen passing a package.",
            {"gowisely_grounds"},
        ),
    ],
    [  # calm, nothing to suggest in most lines
        (OFF, "Hi there, is everything okay? We got a call about some shouting.", {"reason_given"}),
        (S, "Yeah, just a row with my brother.", set()),
        (OFF, "No problem. Would you mind stepping over here so we can have a chat?", set()),
        (OFF, "It's your turn to tell me what happened.", set()),
        (OFF, "Thank you, that's really helpful.", set()),
    ],
    [
        (OFF, "Police! Drop the knife!", {"command", "command_before_reason"}),
        (S, "Get away from me!", set()),
        (OFF, "Drop it now or you will be tasered.", {"command", "threat_warning"}),
        (OFF, "You are being detained. Put your hands behind your back.", {"gowisely_detained", "command"}),
        (OFF, "Here is my warrant card.", {"gowisely_warrant_card"}),
    ],
    [
        (OFF, "Hello mate, I'm a police officer, I need a quick word.", set()),
        (
            OFF,
            "I stopped you because you were seen going in and out of that alley with a bag.",
            {"reason_given", "gowisely_grounds"},
        ),
        (S, "It's just my shopping, fucking hell.", set()),
        (OFF, "I'm going to search your bag, I'm looking for drugs.", {"gowisely_object"}),
        (OFF, "Stand still for me.", {"command"}),
        (OFF, "Once we're done you can have a receipt, you're entitled to a copy.", {"gowisely_entitlement"}),
    ],
]

# Written after the rules were last changed and never used to tune them: the figures on these are the honest ones.
HELD_OUT: list[list[tuple[str, str, set[str]]]] = [
    [
        (OFF, "Excuse me sir, can I have a word? I'm PC Ahmed.", {"self_introduction", "gowisely_identity"}),
        (
            OFF,
            "We're stopping people around here because there's been a spate of robberies.",
            {"reason_given"},
        ),
        (S, "I'm just walking home.", set()),
        (OFF, "I'll stop you there, let me finish.", set()),
        (OFF, "Step back please, give me some room.", {"command"}),
        (
            OFF,
            "I'm detaining you for a search under section 1 of PACE.",
            {"gowisely_detained", "gowisely_legal_power"},
        ),
    ],
    [
        (OFF, "Get out of the car. Now.", {"command", "command_before_reason"}),
        (S, "Why? What have I done?", set()),
        (OFF, "Shut up and listen to me.", {"command", "insult_profanity"}),
        (OFF, "You were doing sixty in a thirty, that's why.", {"reason_given"}),
        (OFF, "Keep that up and you'll be arrested.", {"threat_warning"}),
        (S, "This is bullshit.", set()),
    ],
    [
        (
            OFF,
            "Hiya, you're not in trouble, we just got reports of someone matching your description.",
            {"reason_given", "gowisely_grounds"},
        ),
        (OFF, "Do you mind if I check your pockets? I'm looking for a knife.", {"gowisely_object"}),
        (S, "Go on then.", set()),
        (
            OFF,
            "Cheers. Stop and search forms are online, you can get a copy with this reference.",
            {"gowisely_entitlement"},
        ),
        (OFF, "I work out of Walworth station.", {"gowisely_station"}),
    ],
]


def as_utterances(encounter):
    """(utterances, labels) as the rules and the scorer take them."""
    utterances = [
        SimpleNamespace(start_ms=i * 3000, end_ms=i * 3000 + 2500, speaker=speaker, text=text, words=None)
        for i, (speaker, text, _) in enumerate(encounter)
    ]
    labels = {(i, code) for i, (_, _, codes) in enumerate(encounter) for code in codes}
    return utterances, labels
