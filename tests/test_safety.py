"""Crisis and emergency detector (chatbot/safety): development set and robustness.

The held-out evaluation set lives elsewhere; these cases are the development set. Each list is
a set of realistic messages, written before tuning the lexicon: crisis (suicide, self-harm,
wanting to die or disappear, indirect forms, slang, typos), emergency (immediate physical
danger) and hard negatives (blackmail stories without crisis, idioms, "kill" and "die" in
other senses, shame without suicidality).
"""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
import yaml

import chatbot.safety as safety
from chatbot.safety import assess, explain, only_idioms

# --------------------------------------------------------------------------------------------
# English
# --------------------------------------------------------------------------------------------
EN_CRISIS = [
    "i want to die",
    "I just want to die honestly",
    "i can't do this anymore",
    "I cant do this any more",
    "i want to disappear",
    "everyone would be better off without me",
    "they'd be better off without me",
    "kms",
    "im gonna kms fr",
    "lowkey want to kms",
    "kinda wanna die ngl",
    "i want to unalive myself",
    "i keep thinking about unaliving",
    "i want to end it all",
    "I'm going to hurt myself",
    "i cut myself last night",
    "i've been cutting again",
    "he's threatening to send the pics to my whole school and honestly i want to kill myself",
    "i'm thinking about suicide",
    "what's the number for the suicide hotline?",
    "is there a crisis line i can text?",
    "I don't want to live anymore",
    "i dont wanna be alive",
    "I wish I was dead",
    "I wish I'd never been born",
    "i wanna sleep and never wake up",
    "i hope i don't wake up tomorrow",
    "no one would even notice if i was gone",
    "nobody would miss me",
    "what's the point of living",
    "there's no point in anything anymore",
    "I have nothing to live for",
    "i'm such a burden to everyone",
    "I can't go on like this",
    "im done with life",
    "I'm so tired of living",
    "I'm going to jump off a bridge",
    "i'm thinking of jumping in front of a train",
    "i took a bunch of pills",
    "I'm going to take all my pills tonight",
    "I've been saving up my meds",
    "i want to overdose",
    "I'm going to hang myself",
    "i slit my wrists",
    "I keep hurting myself when I feel like this",
    "i burn myself with a lighter",
    "I relapsed last night",
    "I wrote a goodbye letter to my mum",
    "this is goodbye",
    "i won't be around much longer",
    "i'm giving away all my stuff",
    "If those pics get out my life is over",
    "there's no way out of this",
    "i'd rather be dead than have my parents see those photos",
    "kill myself",
    "i wanna kil myslef",
    "iwanttodie",
    "I WANT TO DIEEEE",
    "i w4nt t0 d1e",
    "s u i c i d e",
    "i think about s*icide a lot",
    "sewerslide",
    "my friend says she wants to kill herself what do i do",
    "the guy said I should just kill myself",
    "he told me to kys",
    "I'm done. Goodbye everyone forever",
    "my parents would be happier if i disappeared",
    "I deserve to die",
    "i dont deserve to live",
    "I can't take it anymore",
    "i cant handle this anymore i want it all to stop",
    "I'm scared I'll do something stupid to myself",
    "i have a knife in my hand right now",
    "I want to stop existing",
    "i just want everything to end",
    "life isn't worth living",
    "i feel like ending it",
    "I'm planning to end my life",
    "I tried to kill myself last year and I feel like that again",
    "my daughter said she wants to die, what do I do",
    "My son has been self harming",
    "my 14 year old told me she's been cutting",
    "i dont want to be here anymore",
    "they'd all be better off if i was dead",
    "I wish I could just disappear forever",
    "Nobody would care if I died",
    "I'm going to end it tonight",
    "maybe i should just die",
    "i keep thinking about dying",
    "i feel like a burden and i want to disappear",
    "the pics are everywhere now, i'm going to end my life",
    "he said my life is over and honestly he's right, i'm going to unalive",
    "I can't cope anymore",
    "I'm not going to be a problem for much longer",
    "i'm gonna od tonight",
    "I want to go to sleep forever",
    "i wish i didnt exist",
    "I'd be better off dead",
    "i just cant anymore",
    "my friend is cutting herself",
    "i want to top myself",
    "i'm gonna neck myself",
    "i'll chuck myself off a bridge",
    "i cant take this pain anymore",
    "i'm on the bridge right now",
    "how many pills does it take to die",
    "i dont care if i die",
    # families from the third development set (tests/safety_dev2.yml): new wordings, typos
    "i wont even be alive by the time he posts them",
    "she said she's not going to be around for her birthday next month",
    "I've made up my mind, I won't be around when the pics come out",
    "by the time it's all over school i'll be gone anyway",
    "my son wrote a will on his laptop, listing who gets his xbox",
    "she asked who would get her cat if something happened to her",
    "here, keep this bracelet to remember me by",
    "it's been nice knowing u all",
    "see yall on the other side",
    "see you in the next life x",
    "thank you for everything, i love you all",
    "she told me she won't need her uniform after christmas",
    "my daughter has been in bits for weeks and all of a sudden she's really calm and giving me hugs",
    "i feel so at peace now that i've decided",
    "i keep staring at the pills in my drawer",
    "there's a belt on my door and i keep looking at it",
    "got some razor blades and they arent for shaving",
    "took the blade out of my pencil sharpener last night",
    "found razor blades hidden in his sock drawer",
    "she's been searching how to tie a noose",
    "my son googled how many sleeping pills would kill you",
    "how much tylenol is fatal",
    "easiest way to end it",
    "how to hang urself",
    "how long does it take to bleed out",
    "is there a way to make it look like an accident",
    "i burnt myself with a cigarette so i could feel something",
    "saw new cuts all over her thighs when she was getting changed",
    "he wears long sleeves even in this heat and won't roll them up",
    "i'm hiding my cuts under my hoodie at school",
    "i tried to take all my antidepressants in march",
    "i feel like such a burden to my mum",
    "maybe its time i stopped existing",
    "i cant find a single reason to keep going",
    "my daughter keeps talking about not being here anymore",
    "he wishes he'd never been born",
    "she wishes she was dead",
    "i dont want to stay alive",
    "gna sh tonight",
    "they keep commenting kys under my posts",
    "kys is all anyone says to me now",
    "what happens to my instagram when i die",
    "left a note saying she's sorry and that she loves us",
    "i wanna be six feet under",
    # families from the fourth development set (tests/safety_dev3.yml): new wordings, typos,
    # the other language, written to check the patterns added for it
    'honestly so sick of being myself',
    'ive had enough of life tbh',
    'im tired of breathing',
    'cant face one more morning like this',
    "i've lost all will to live since he posted it",
    "i'm not afraid of dying anymore",
    'i just want to fall asleep and never come back',
    'want to shut down. permanently',
    'i want it all to go silent forever',
    'i wont be around to see christmas',
    'dont see myself still alive by summer',
    "tell him to post it, i'll be dead by then",
    'tonight is my last night on earth',
    'soon none of it will matter',
    'only thing left to erase is me',
    'get rid of me and everything gets sorted',
    'my wrists look like barcodes now',
    'told my dad it was the cat scratching me',
    'there are fresh cuts all over her forearms',
    'he wears long sleeves even in the heatwave',
    'found blood stained plasters in her room',
    'how deep do u have to cut on ur wrist',
    'i keep a razor blade in my phone case just in case',
    'got some pills stashed under my bed for when i need them',
    'how many paracetamol would it take',
    'looked up the quickest way to die',
    'my sons search history says painless suicide',
    'every night im on the bridge staring down at the water',
    'dont know what to put in my goodbye letter',
    'her messages read like a goodbye',
    'he told me he wont be needing his xbox anymore',
    'she gave away all her things to her friends this week',
    'if anything happens to me give my cat to lucy',
    'she keeps saying sorry for everything lately',
    "he keeps saying he's a burden",
    'kys is what everyone in my class writes',
    'if he leaks them my blood will be on his hands',
    'nobody would care if i stopped existing',
    "ma heid's done in, i dinnae want tae be alive anymore",
    "we're fixin to end it all honestly",
    'i just cut again',
    "there's blood all over the floor",
    "she's standing on the ledge of the multistorey",
    "my brother took a load of pills, he's not waking up properly",
    # families from the fifth development set (tests/safety_dev4.yml): new wordings of each family
    "i havent eaten since monday, i deserve it",
    "not eating today cause i dont deserve food",
    "i deserve to suffer. so i make myself",
    "ive been making myself sick after every meal",
    "i punch the wall to feel something",
    "burnt my wrist with a cigarette again",
    "burned my leg with a lighter last night",
    "cut again tonight",
    "i cut deeper than last time",
    "im gonna cut tonight",
    "ordered blades online so i can do it",
    "bought razor blades today",
    "saving up my antidepressants",
    "i have enough tablets now",
    "been taking extra of my sleeping pills so i dont feel anything",
    "i want to swallow the whole bottle tonight",
    "what would 20 paracetamol do",
    "if i took like 40 tylenol would i die",
    "what happens if someone takes a whole box of sleeping pills",
    "googled how tall the block of flats near school is",
    "is the multi storey high enough to die",
    "you wouldnt survive a fall from that bridge right",
    "keep thinking of the railway line near school",
    "i want to walk into the sea until i cant get back",
    "i have no future anymore",
    "there is no hope left for me",
    "i cant go on knowing everyone has seen those pictures",
    "i cant live with the shame",
    "ive chosen the day",
    "shes got it all planned for when everyone is asleep",
    "my son keeps saying goodbye to everyone",
    "she sat with the cat for ages saying goodbye",
    "i'm the one nobody would miss",
    "sorry for being such a burden mum",
    "im sorry i was a disappointment",
    "this is my final post",
    "she posted her final tiktok",
    "thanks for everything, it was good while it lasted",
    "this is the last time ill talk to anyone",
    "found a note in her room saying sorry and that she loves us",
    "found a list called things to do before in his notes app",
    "driving the car into a tree on the way home sounds nice",
    # a safety statement or a harmless question next to a real crisis: still a crisis
    "im not gonna hurt myself... actually i already did tonight",
    "im not going to hurt myself dont worry. i cut myself an hour ago",
    "not suicidal or anything but i want to disappear forever",
    "what is 988? i think i need it, i want to die",
    "im not in any danger but i want to kill myself",
    "watched a documentary where a boy took his own life and i want to do the same",
    "read an article about a girl who killed herself over fake nudes, i might do the same",
    "watched the episode where rue relapses and i relapsed too",
    "is samaritans only for suicidal people? because i am suicidal",
    "went through a period of self harm two years ago and i started cutting again last night",
    "had dark thoughts last year but got help, now theyre back and i want to die",
    "i wont be around next week, were going on holiday and i dont plan on coming back alive",
    'im not gonna kill myself tonight',
    'i dont see a way out',
    'everyone would be better off',
    'i cant see a way out of this mess',
    'my parents would be better off',
    'im not going to hurt myself. i already took all the pills',
    "honestly i can't find a reason to keep going",
]

EN_EMERGENCY = [
    "he's outside my house right now",
    "someone is following me home",
    "there's a man outside my door and I'm scared",
    "he's coming to my house to hurt me",
    "he said he's coming to get me",
    "call the police now",
    "please someone call 911",
    "he is hitting me",
    "my stepdad is hurting me right now",
    "I think I'm being followed",
    "he's waiting for me outside school",
    "someone is trying to break in",
    "he knows where I live and he's on his way",
    "I'm in danger",
    "I don't feel safe, he's downstairs",
    "he has a knife",
    "they won't let me leave",
    "he grabbed me and pushed me into his car",
    "he threatened to kill me if I don't pay",
    "the blackmailer said he will find me and hurt me",
    "there's a car parked outside my house and he's in it",
    "someone is banging on my door",
    "help he's here",
    "send help",
    "I'm locked in his room",
    "he is outside my school waiting",
    "a guy keeps following me",
    "he's at my front door",
    "ring the police please",
    "he is trying to get in the house",
    "HE IS OUTSIDE MY HOUSE",
    "the man from the chat is outside my house",
    "my daughter is with him right now and isn't answering her phone",
    "my son went to meet the blackmailer and his phone is off",
    "my daughter is missing",
    "he sent me a photo of my front door",
    "he says he's 5 minutes away",
    "he'll be there today, he knows my school",
    "i'm hiding in the bathroom",
    "this is an emergency",
    # families from the third development set (tests/safety_dev2.yml): new wordings, typos
    "there's a man at the school gates who says he's got my photos",
    "someone's in our back yard right now",
    "there is a guy peering in through our front window",
    "he's still inside the house and im in the wardrobe",
    "he forced his way in",
    "he's kicking the back door in",
    "my stepdad has a knife and hell kill me",
    "she's bleeding heavily from her wrist",
    "the bleeding won't stop",
    "my son is unconscious, there's empty pill boxes on the floor",
    "my daughter's with him at the station and she sounds petrified",
    "he turned up at my school and refuses to leave",
    "her phone says she's at the blackmailer's house",
    # families from the fourth development set (tests/safety_dev3.yml): new wordings, typos,
    # the other language, written to check the patterns added for it
    'my daughter got into a van with a stranger she met on snapchat',
    'my son locked himself in his room, he is not answering',
    'the sleeping pills are gone from the cabinet',
    'my friend posted a goodbye video and is not picking up',
    'he left a note and his bike is gone',
    'someone is on the landing of our building right now',
    'i can hear him. im alone',
    'he drank half a bottle of vodka and swallowed pills',
    'i never told him my address but he is outside',
    'someone is rattling the front door handle',
    'a white car grabbed my friend',
    'he says i have to come alone or he posts them',
    'he has got my sister in his car',
    'the guy blackmailing my son is outside the school right now',
    "i'm standing on the platform and the next train comes through in a minute",
    "she's on the train tracks",
    # families from the fifth development set (tests/safety_dev4.yml)
    "the blackmailer is parked outside my house i can see his van",
    "that guy from snap is waiting by the school gates",
    "he is waiting at the end of my street",
    "im in the back of his car and he wont let me get out",
    "he won't let me out of the car",
    "a guy has been walking right behind me since the station",
    "i crossed the street and he crossed too",
    "my stepdad is beating my mum downstairs",
    "dad is hitting my little brother right now",
    "my son is not in his bed and his window is open",
    "her bed hasnt been slept in and her phone is off",
    "my daughter took some pills with vodka",
    "he took his mums tablets with beer",
    "my sister is on the ledge of the car park roof",
    "she climbed over the railing on the bridge",
    "he's on the other side of the railings and wont talk to me",
    "she posted a goodbye video",
]

EN_NEGATIVE = [
    "he says he'll send the photos to everyone unless I pay",
    "my mum is going to kill me if she finds out",
    "my dad will literally kill me lol",
    "this is killing me lol",
    "i'm dying of embarrassment",
    "I'm so embarrassed I could die",
    "dead tired after school today",
    "I killed it at the exam",
    "kill the boss in level 3",
    "I keep dying in Fortnite",
    "my character died again",
    "I'm dying to know what happens next",
    "I'm so ashamed, I don't want to go to school tomorrow",
    "I feel so stupid for sending it",
    "what does a deepfake mean?",
    "how do I report this to the police?",
    "should I call the police?",
    "he follows me on instagram and keeps messaging me",
    "someone started following me on tiktok with a fake account",
    "I deleted everything, was that wrong?",
    "I already paid him 100 pounds",
    "can you help me get the pictures taken down?",
    "my friend is being blackmailed, how can I help her?",
    "I'm scared my parents will see the photos",
    "I hate him so much",
    "i want to disappear from social media for a while",
    "I want the photos to disappear",
    "how do I make the pictures disappear from the internet",
    "I can't stop crying",
    "I'm so stressed about exams",
    "i cut my hair last night",
    "I've been cutting class",
    "I hurt myself playing football",
    "I accidentally cut myself while cooking",
    "i cant go on instagram anymore because of him",
    "I can't sleep",
    "my phone is dead",
    "the battery died",
    "the suspense is killing me",
    "killing time before class",
    "I'd kill for a pizza right now",
    "that joke killed me 💀",
    "I'm dead 😂😂",
    "what happens if I don't pay?",
    "he says I have 24 hours",
    "is it illegal to make fake nudes?",
    "can I talk to a real person?",
    "are you a bot?",
    "thanks, that helped",
    "bye",
    "I walked 5 kms today to clear my head",
    "he's after my money",
    "he keeps asking for more pics",
    "he wants me to send another video",
    "i'm afraid he will post them tonight",
    "my life is ruined if this gets out",
    "I'm so done with this guy",
    "he said he'd ruin my life",
    "my mom is outside waiting to pick me up",
    "my friend is coming over to help me",
    "the police are coming to my school to give a talk",
    "do I need to call the police or can the school handle it?",
    "my dad took me to the police station yesterday",
    "he hacked into my instagram",
    "someone is trying to get into my account",
    "he beat me at fifa lol",
    "hit me up if you need anything",
    "it really hit me that this is serious",
    "i'm so embarrassed i want to hide under my bed",
    "I can't tell my parents, they'd never look at me the same",
    "what's the point of reporting it if nothing happens",
    "there's no point in paying him",
    "my teacher is going to kill me, I forgot my homework again",
    "the pictures are fake, how do I prove it?",
    "how do I block him on snapchat",
    "I screenshotted his messages",
    "he threatened to post them on my school's page",
    "he threatened to tell my parents",
    "they are threatening to leak my nudes",
    "I feel sick to my stomach",
    "I'm not okay",
    "I'm worried about my daughter, she won't leave her room",
    "How can I protect my kid?",
    "this exam is going to be the death of me",
    "I nearly died laughing",
    "I'm dying laughing",
    "OMG I'm gonna die of cringe",
    "kill two birds with one stone",
    "he's dead to me",
    "shoot me a text later",
    "the movie was suicide squad",
    "I'm dead serious, he has my photos",
    "I have to take my meds every morning",
    "I took my pills this morning",
    "how many kms is it to the police station",
    "my ex is stalking me on insta",
    "he's watching my stories every day",
    "I'm dyeing my hair tonight",
    "i'm loving this song",
    "can we talk tomorrow? my mum is calling me",
    "is it illegal that i sent a pic of myself?",
    "I'm actually proud of myself for telling my mum",
    "he wants paying in gift cards, should i do it",
    "it's on someone's close friends story",
    "where do i report it to the police? it's not urgent",
    "is paying him the only way out?",
    "someone is trying to get into my snapchat",
    # families from the third development set (tests/safety_dev2.yml): new wordings, typos
    "i'll be around later if you need more info",
    "i wont need my phone for a bit, mum's taking it",
    "I'm not going to be here long, my break ends in 10 min",
    "I won't be around this weekend, can I message on monday?",
    "my grandad made a will before he died and now this",
    "what happens to the photos if I delete my account?",
    "see you on the other side of exams lol",
    "thank you for everything, you've really helped",
    "my daughter seems calmer since she talked to the counsellor",
    "suddenly i feel much calmer after talking to you",
    "how do i hang a picture frame lol",
    "I found pills in my dad's cabinet, are they dangerous for the dog?",
    "we did a project on suicide prevention in pshe, is this the same thing?",
    "I self harmed when I was 12 but I've been fine since, this is about reporting",
    "I'm not suicidal I just want him gone",
    "i want to vanish from the internet",
    "the guy is waiting for me to pay",
    "he's still in my DMs",
    "my nose is bleeding lol",
    "burnt myself on the straighteners",
    "tonight's the night i tell my mum everything",
    "he'll find out i told the police",
    "I keep thinking about the photos",
    # families from the fourth development set (tests/safety_dev3.yml): new wordings, typos,
    # the other language, written to check the patterns added for it
    "i'm so tired of being ignored by the police",
    "i've had enough of his threats",
    "i can't face my friends at school tomorrow",
    "i'm not afraid of him anymore",
    'i want to fall asleep early tonight',
    "i'm going to switch off my phone for the weekend",
    'i want the group chat to go quiet',
    "i won't be around this weekend, we're visiting my gran",
    "i don't see myself going back to that school",
    "i'll be gone by then, we're on holiday in august",
    'this is my last night here at camp',
    'soon none of this will be on the internet hopefully',
    'delete the photos and block him',
    'remove the pics and the problem goes away, right?',
    'my little brother scanned the barcode on my phone',
    'i told my mum it was the cat that knocked the phone off the table',
    'i cut my finger cutting onions',
    "i wear long sleeves because i'm always cold",
    'i have a nosebleed, sorry if i type slowly',
    'the paper cut stings',
    "i'm saving money in case i need a lawyer",
    'i keep my phone hidden in my room just in case he calls',
    'how many screenshots do i need for the police',
    "what's the fastest way to get photos taken down",
    'he keeps looking at my profile',
    'what should i write in the email to the school',
    'her message read like a threat',
    "i don't need this account anymore",
    'i gave my old phone to my cousin',
    'my dog is staying with my aunt this week',
    "sorry for everything you've had to read, thanks for the help",
    "my mum keeps saying i'm not a burden, she just wants to help",
    'he keeps telling me to pay',
    'nobody would care if i stopped posting',
    "i'm fixing my privacy settings",
    "the blackmailer said he would come to my school but he doesn't know where it is",
    'my sister locked herself out of her account',
    'the pills the doctor gave me are making me sleepy',
    "my friend sent me a goodbye message because she's moving to spain",
    'my dad left a note on the fridge and went to work',
    "i can hear my mum downstairs, i'll ask her",
    'my cat is sitting on the window ledge again lol',
    "my alarm wasn't waking me up properly so I was late",
    'he wants me to come alone to the park, should i report that to the police?',
    # sharing words with the patterns added for the fifth development set (tests/safety_dev4.yml)
    "i deserve to hurt him back for what he did",
    "i havent eaten since lunch, im starving lol",
    "she stopped eating meat last year",
    "i made myself sick eating too many sweets",
    "i hit the wall at mile 20 of the marathon",
    "i burned my hand on the straighteners this morning",
    "the call cut again, can you call back",
    "i bought a new blade for my skates",
    "do we have enough paracetamol in the house for the weekend",
    "i took extra paracetamol for my period pain",
    "i want to take them all to court",
    "looked up how tall the eiffel tower is for my french homework",
    "is the fence high enough to keep the dog in",
    "thinking about the bridge design for my dt project",
    "we swam out to the raft and back",
    "theres no hope of getting the pics down is there",
    "i cant live with my sister she reads my messages",
    "we picked a date for the party",
    "mum has it all planned for my birthday",
    "we spent ages saying goodbye at the airport",
    "sorry for being such a pain, one more question",
    "im editing my final video for media studies",
    "thanks for everything, goodnight",
    "that is the last time i message anyone on that app",
    "my mum left a note saying sorry shes late",
    "we had wine with dinner and i took my antibiotics",
    "my mum is waiting at the school gate for me",
    "i can see his car in the background of the photo",
    "my brother beat my sister at mario kart again",
    "she's on the edge of tears about the photos",
    "my dad is on the bridge right now driving home",
    "we crossed the road to the shop",
    "i won't be around this weekend, im at my dads",
    "my friend took 2 paracetamol for her headache and felt better",
    "my brother had a period of self-harm years ago but he's fine",
    "had some dark thoughts a while ago but i talked to my gp and im ok",
    "my essay is on suicide rates in young men",
    "we watched a film about a girl who took her own life in english class",
    "there was a news report about a man who killed himself after sextortion",
    "is samaritans only for suicidal people",
    "will calling childline show up on my phone bill",
    "what is shout exactly",
    "im not going to hurt myself dont worry",
    "i'm not suicidal at all, just angry",
    "my sister's not in any danger, she's just upset",
    "he keeps saying bye and then messaging again",
    "my teacher is walking behind me",
    "sorry for being a burden with all my questions",
    "that episode of euphoria where rue relapses was so sad",
    "my friend is waiting for me at the school gate",
    "i'm not going to hurt myself, i just need help",
    'im not gonna hurt myself lol',
    'i would never hurt myself, i just want the pics gone',
    'everyone would be better off if we just reported it',
]

# --------------------------------------------------------------------------------------------
# Spanish
# --------------------------------------------------------------------------------------------
ES_CRISIS = [
    "me quiero morir",
    "me kiero matar",
    "quiero suicidarme",
    "no quiero vivir",
    "no quiero vivir más así",
    "ojalá no despertarme mañana",
    "quiero desaparecer",
    "no puedo más",
    "ya no puedo más con esto",
    "estarían mejor sin mí",
    "todos estarían mejor sin mí",
    "me voy a tirar por la ventana",
    "me corto",
    "me corto los brazos cuando estoy mal",
    "he vuelto a autolesionarme",
    "tengo autolesiones",
    "pienso en suicidarme",
    "quiero acabar con todo",
    "no aguanto más",
    "ya no aguanto más esta situación",
    "me quiero matar de verdad",
    "me mato si publican las fotos",
    "si mis padres ven las fotos me mato",
    "me kiero morir ya",
    "kiero morirme",
    "qiero matarme",
    "quiero matrme",
    "me quiero suisidar",
    "suisidio",
    "mequieromorir",
    "nopuedomas",
    "quiero morirme de verdad, no aguanto la vergüenza",
    "no le veo sentido a la vida",
    "mi vida no tiene sentido",
    "para qué seguir viviendo",
    "soy una carga para mi familia",
    "nadie me echaría de menos",
    "a nadie le importaría si me muero",
    "ojalá me muera",
    "ojalá no hubiera nacido",
    "quiero dormir y no despertar",
    "me he tomado un montón de pastillas",
    "me voy a tomar todas las pastillas",
    "tengo pastillas guardadas",
    "quiero tirarme de un puente",
    "me voy a tirar a las vías del tren",
    "quiero cortarme las venas",
    "me hago daño cuando me siento así",
    "quiero hacerme daño",
    "he escrito una carta de despedida",
    "esta es mi despedida",
    "me despido de todos",
    "pronto no estaré para molestar",
    "¿cuál es el teléfono contra el suicidio?",
    "¿el 024 es gratis?",
    "mi amiga se quiere suicidar, qué hago",
    "mi hija me ha dicho que se quiere morir",
    "mi hijo se autolesiona",
    "me chantajea con unas fotos falsas y ya no quiero vivir",
    "el tío dice que va a pasar las fotos a toda la clase, me quiero morir",
    "prefiero estar muerta",
    "quisiera desaparecer para siempre",
    "no quiero seguir aquí",
    "estoy harta de vivir",
    "estoy cansado de la vida",
    "mejor me muero",
    "me voy a quitar la vida",
    "quitarme la vida es la única salida",
    "no veo otra salida",
    "me quiero ir de este mundo",
    "me quiero aventar de un puente",
    "ya no quiero estar aquí",
    "me voy a dar un tiro",
    "me quiero colgar",
    "voy a ahorcarme",
    "ME QUIERO MORIRRRR",
    "kiero desaparecer xq nadie me kiere",
    "no kiero bibir",
    "ya no puedo mas ;(",
    "me siento una carga y quiero desaparecer",
    "mi vida se acabó si ven esas fotos",
    "quiero dejar de existir",
    "ojalá me atropelle un coche",
    "sería mejor si yo no existiera",
    "he pensado en matarme",
    "tengo ganas de morirme",
    "me dan ganas de tirarme por el balcón",
    "no merezco vivir",
    "me estoy cortando otra vez",
    "tengo cortes en los brazos",
    "neta ya no puedo, me quiero morir alv",
    "ya no aguanto, me voy a matar",
    "me quiero suicidar xq subieron mis fotos",
    "me qiero morir",
    "me kiero suicidar",
    "quiero morirme",
    "me voy a suicidar",
    "mañana no voy a estar",
    "no doy más",
    "ya no doy más, me quiero matar boludo",
    "me cansé de vivir",
    "me quiero aventar del puente wey",
    "tengo los brazos llenos de cortes",
    "me da igual vivir o morir",
    "mi hijo habla de matarse",
    # families from the third development set (tests/safety_dev2.yml): new wordings, typos
    "sería más fácil para todos si yo no existiera",
    "mis padres estarían más tranquilos si yo no estuviera",
    "van a estar mejor sin mí",
    "no quiero seguir con vida",
    "no le encuentro sentido a seguir viviendo",
    "no tengo ningún motivo para levantarme",
    "cuál es la manera más rápida de morir",
    "formas de suicidarse sin dolor",
    "mi hijo escribió un testamento en el móvil",
    "estoy pensando a quién le dejo mis cosas",
    "toma, para que te acuerdes de mí",
    "ha sido un placer conoceros a todos",
    "nos vemos en el otro lado",
    "nos vemos en la otra vida",
    "gracias por todo, os quiero",
    "ya me despedí de todos",
    "mi hija está regalando sus peluches y sus joyas",
    "dice que el curso que viene no le va a hacer falta el uniforme",
    "pronto no voy a estar aquí",
    "cuando lo suba yo ya no voy a estar",
    "no voy a seguir viva mucho tiempo",
    "mi hijo dice que no va a estar para su cumpleaños",
    "lleva semanas fatal y de repente se le ve muy tranquila",
    "me siento en paz ahora que lo he decidido",
    "tengo escondidas las pastillas de mi madre",
    "llevo semanas juntando pastillas",
    "encontré una cuerda escondida debajo de su cama",
    "tengo una navaja en el cajón y no paro de pensar en ella",
    "no puedo dejar de pensar en las vías",
    "compré cuchillas y no son para afeitarme",
    "saqué la cuchilla del sacapuntas",
    "cuántas pastillas de dormir son letales",
    "el ibuprofeno es mortal",
    "busqué cómo ahorcarse",
    "quiero que parezca un accidente",
    "le vi cicatrices nuevas en los muslos",
    "mi hija lleva mangas largas en pleno verano",
    "escondo los cortes con la sudadera",
    "mi hijo se quemó a propósito",
    "he intentado tragarme todas las pastillas",
    "mi hermana se tragó un bote de pastillas",
    "mi hija se bebió lejía",
    "estuve sentada en las vías anoche",
    "estuve en el puente y casi me tiro",
    "me quiero desvivir",
    "qué pasa con mis cuentas si me muero",
    "tengo ganas de palmarla",
    # families from the fourth development set (tests/safety_dev3.yml): new wordings, typos,
    # the other language, written to check the patterns added for it
    'estoy harta de ser yo',
    'se me fueron las ganas de vivir',
    'ya no me da miedo morir',
    'quiero apagarme para siempre',
    'que sentido tiene vivir asi',
    'xq no me mato de una vez',
    'si dejara de existir nadie lo notaria',
    'me rindo con la vida',
    'es el final para mi',
    'pronto ya no voy a estar asi que da igual',
    'no me veo viva el año que viene',
    'pronto no os voy a dar mas problemas',
    'si me pasa algo cuida a mi gato',
    'le regalo sus cosas a su mejor amiga',
    'dice que ya no lo va a necesitar',
    'perdoname por todo mama',
    'mi hijo dice que es una carga para sus padres',
    'sin mi estarian mejor todos',
    'ojala pudiera borrarme del mundo',
    'si me quito de en medio se acaba todo',
    'me volvi a hacer sh',
    'tengo las piernas como un codigo de barras',
    'le dije a mi padre que eran rasguños del gato',
    'tiene cortes en los brazos y no sabe explicarlos',
    'lleva manga larga en pleno verano',
    'encontre pañuelos con sangre en su papelera',
    'me corte muy profundo en la muñeca',
    'me castigo sin cenar',
    'tengo pastillas guardadas por si acaso',
    'cuanto tarda en matar el raticida',
    'busque formas indoloras de morir',
    'quiero tomarme todas las pastillas del bote',
    'me paso las tardes en el puente mirando hacia abajo',
    'pienso en como lo haria todas las noches',
    'solo me falta elegir el dia',
    'ya tengo la soga',
    'si lo publica tendra mi muerte en su conciencia',
    'me acabo de cortar y sangra mucho',
    'se trago un bote de pastillas',
    # dev4 families (2026-11-26)
    'no tengo ningun futuro.',
    'ya no le veo futuro a nada',
    'nada merece la pena ya',
    'ya nada tiene sentido',
    'me bajo de este mundo.',
    'ojala me durmiera para siempre',
    'quiero dormirme para siempre',
    'solo quiero descansar para siempre',
    'me voy a ir a dormir para siempre',
    'no merezco ni comer',
    'llevo dos dias sin comer a proposito',
    'no he comido nada hoy, no me lo merezco',
    'me provoco el vomito cada noche',
    'me meto los dedos para vomitar',
    'me pego punetazos hasta que sangro',
    'me doy golpes contra la pared cuando me escribe',
    'me quemo cada vez que me escribe',
    'me corto para calmarme',
    'he comprado cuchillas hoy',
    'me he comprado una navaja.',
    'he mirado cuanto mide el puente de mi pueblo',
    'busque la altura del viaducto',
    'esta tarde me voy a las vias',
    'mi amigo se va a tirar del puente',
    'dice que se tira al tren si lo publican',
    'llevo semanas mirando el balcon',
    'ya tengo pensado cuando',
    'lo voy a hacer. ya esta decidido',
    'mi hermana dice que prefiere morirse',
    'mi hijo ya no aguanta mas.',
    'la oi decir que ojala no hubiera nacido',
    'tiene el brazo vendado y no quiere decir por que',
    'tiene marcas en las piernas que no sabe explicar',
    'tiene quemaduras en el antebrazo',
    'gracias por todo, fue precioso mientras duro',
    'este es mi ultimo video.',
    'siento ser una carga para todos',
    'perdonadme por ser una decepcion',
    'tengo la cuchilla del sacapuntas en la mano',
    'se encierra en el bano con una cuchilla',
    'cuantas pastillas hacen falta para no despertarse',
    'me preguntas si me quiero hacer daño? no... bueno, si',
    'pienso que seria tan facil saltar',
    'me doy puñetazos en las piernas',
    'no voy a matarme hoy',
    'no voy a hacerme daño... bueno no se, igual si',
]

ES_EMERGENCY = [
    "hay alguien fuera de mi casa",
    "está fuera de mi casa ahora mismo",
    "me está siguiendo un hombre",
    "me están siguiendo",
    "viene a por mí",
    "viene a mi casa a hacerme daño",
    "llama a la policía ya",
    "llamen a la policía por favor",
    "me está pegando",
    "mi padrastro me pega",
    "tiene un cuchillo",
    "me ha amenazado con matarme si no pago",
    "está en la puerta de mi casa",
    "estoy en peligro",
    "me espera a la salida del instituto",
    "el chantajista sabe dónde vivo y viene para acá",
    "hay un coche raro aparcado delante de mi casa",
    "alguien está intentando entrar en casa",
    "me tiene encerrada en su casa",
    "no me deja salir de su coche",
    "socorro",
    "me quiere secuestrar",
    "está aporreando la puerta",
    "me persigue un coche",
    "llamad al 112",
    "hay un tío raro en el portal esperándome",
    "está afuera de mi casa",
    "mi hija está con el chantajista ahora y no contesta",
    "mi hijo ha ido a ver al tío que le amenaza y tiene el móvil apagado",
    "me ha mandado una foto de mi portal",
    "dice que en 10 minutos está aquí",
    "está aquí",
    "me ha obligado a subir a su coche",
    "ayuda ya",
    # families from the third development set (tests/safety_dev2.yml): new wordings, typos
    "un tío me está siguiendo desde que salí del metro",
    "hay una furgoneta que me sigue",
    "mi hijo fue a quedar con el que le amenaza y no coge el móvil",
    "se presentó en mi trabajo y no se quiere ir",
    "está sangrando mucho de la muñeca",
    "no para de sangrar",
    "la encontré inconsciente",
    "hay blísteres vacíos en su cuarto",
    "mi ex tiene una navaja",
    "está entrando a la fuerza",
    # families from the fourth development set (tests/safety_dev3.yml): new wordings, typos,
    # the other language, written to check the patterns added for it
    'mi hija se subio a un coche con un hombre que conocio por instagram',
    'mi hijo se ha encerrado en el baño. no contesta',
    'faltan los somniferos del botiquin',
    'mi amiga se despidio en instagram y no contesta',
    'dejo una carta y se fue',
    'hay alguien en el rellano de mi edificio',
    'lo oigo. estoy sola',
    'esta sentada en el balcon de un septimo y no quiere entrar',
    'mi hermano no se despierta y respira raro',
    'se tomo vodka con pastillas',
    'nunca le di mi direccion y esta aqui',
    'alguien esta forzando la cerradura',
    'se llevaron a mi hijo en una furgoneta',
    'tiene a mi hermana en su coche',
    'dice que vaya sola o lo publica',
    # dev4 families (2026-11-26)
    'me he tomado las pastillas de mi madre con cerveza',
    'se ha tomado sus pastillas con whisky',
    'he quedado con el chantajista en el parque',
    'he quedado con el tio ese para pagarle',
    'mi padrastro le esta pegando a mi madre',
    'la estan pegando en la calle',
    'mi hijo lleva toda la noche sin aparecer',
    'ha apagado la ubicacion y no contesta',
    'se ha ido con una soga',
    'mi hija salio de casa con las pastillas de su abuela',
    'hay muchisima sangre en el baño',
    'no esta en su cama y tiene el movil apagado',
    'llevamos cinco horas sin saber nada de ella',
    'esta en el puente y no quiere bajar',
    'el chantajista esta fuera esperandome',
    'esta esperandome en la puerta del instituto',
]

ES_NEGATIVE = [
    "me muero de vergüenza",
    "me muero de risa jajaja",
    "me muero de ganas de verte",
    "me muero de sueño",
    "me muero de asco",
    "mi madre me mata si se entera",
    "mis padres me van a matar",
    "si mi padre lo ve me mata",
    "esto me está matando",
    "me dice que si no le pago subirá las fotos",
    "me pide 200 euros",
    "¿qué hago si ya he pagado?",
    "¿cómo denuncio a la policía?",
    "¿tengo que llamar a la policía?",
    "me sigue en instagram y me manda mensajes",
    "me sigue mandando mensajes",
    "me sigue escribiendo todos los días",
    "quiero que desaparezcan las fotos",
    "¿cómo hago para que desaparezcan las fotos?",
    "quiero desaparecer de las redes un tiempo",
    "me he cortado el pelo",
    "me corté con un cuchillo cocinando",
    "me corto mucho al hablar con chicos",
    "me he hecho daño en la rodilla jugando al fútbol",
    "me voy a tirar a la piscina",
    "me voy a tirar un rato en el sofá",
    "tengo mucha vergüenza, no quiero ir al instituto",
    "me siento fatal",
    "no sé qué hacer",
    "¿es delito hacer fotos falsas?",
    "¿hablo con una persona o con un bot?",
    "gracias por la ayuda",
    "adiós, gracias",
    "me despido, que tengo que cenar",
    "mi hija está muy rara desde hace una semana",
    "¿cómo puedo ayudar a mi hijo?",
    "lo he borrado todo, ¿he hecho mal?",
    "estaba matando el tiempo",
    "mi personaje murió en fortnite",
    "me mataron en la partida",
    "no puedo más de la risa",
    "no aguanto más a mi hermano",
    "no soporto a mi profe",
    "me mato estudiando para los exámenes",
    "casi me mato con la bici",
    "me quiero tirar en la cama y no salir en todo el día",
    "la espera me mata",
    "el calor me está matando",
    "me da miedo que lo vean mis padres",
    "tengo miedo de que las publique",
    "mi madre está fuera, viene a buscarme a las 8",
    "mi amiga viene a mi casa a ayudarme",
    "estoy fuera de casa ahora",
    "¿debería llamar al 112?",
    "me ha hackeado la cuenta de instagram",
    "alguien intenta entrar en mi cuenta",
    "me pegué un susto enorme",
    "me toca exponer mañana",
    "sería un suicidio social que lo vieran todos",
    "qué vergüenza, quiero que me trague la tierra",
    "me siento muy sola",
    "lloro todas las noches",
    "no puedo dormir",
    "amenaza con publicar las fotos",
    "dice que las va a mandar a mis padres",
    "me va a arruinar la vida",
    "es una pesadilla",
    "mi vida está arruinada",
    "¿qué es un deepfake?",
    "quiero borrar mi cuenta",
    "quiero que pare ya",
    "me muero por saber qué pasa",
    "me tiro toda la tarde jugando",
    "voy a matar a mi hermano como me coja el móvil",
    "me voy a morir de vergüenza si lo ve alguien",
    "me muero si lo ven mis amigas",
    "tengo ganas de llorar",
    "mi madre me va a matar cuando vea la nota",
    "me pega mucho este color",
    "ojalá no hubiera mandado esa foto",
    "ojalá pudiera volver atrás",
    "quiero irme de este grupo",
    "me quiero ir a casa",
    "ya no quiero estar en ese grupo",
    "no quiero estar más en ese grupo de whatsapp",
    "sin mi móvil no puedo hablar con nadie",
    "estoy mejor sin mi ex",
    "la policía viene a dar una charla al instituto",
    "me sigue pareciendo injusto",
    "mi abuela se va a morir pronto, está muy enferma",
    "quiero matar a ese tío por lo que me ha hecho",
    "¿cuánto tiempo tarda en desaparecer una foto de internet?",
    "vos sos un bot?",
    "me mola mucho tu respuesta",
    "mi madre me mata como se entere de esto",
    "en español por favor",
    "hola, está circulando por mi insti y nose a quién decírselo",
    "si el tío vive fuera de España, ¿la poli puede actuar?",
    "¿pueden venir a casa a tomar la denuncia?",
    "esto es privado o hay gente mirando?",
    "no es urgente, solo quiero saber cómo denunciar",
    "el canal de telegram no responde",
    # families from the third development set (tests/safety_dev2.yml): new wordings, typos
    "mi abuela hizo testamento el año pasado",
    "¿qué pasa con las fotos si borro la cuenta?",
    "nos vemos al otro lado del puente",
    "gracias por todo, adiós",
    "el año que viene no me van a hacer falta estos libros",
    "no voy a estar mucho tiempo conectada",
    "no voy a estar en casa esta tarde, ¿puedo escribir luego?",
    "de repente me siento más tranquila, gracias",
    "mi madre guarda las pastillas en el cajón",
    "me compré cuchillas para depilarme",
    "¿cuánto paracetamol puedo tomar para el dolor de cabeza?",
    "el examen me mató jajaja",
    "acabo de terminar la serie y el final me mató",
    "me dan ganas de tirar el ordenador por la ventana",
    "me cortaba hace años pero ya estoy bien, ahora quiero denunciar",
    "no soy suicida, solo quiero que borren la foto",
    "estoy haciendo un trabajo sobre el suicidio adolescente",
    "mi madre está en el trabajo y no me coge el teléfono",
    "mi abuela se toma muchas pastillas para la tensión",
    "me desvivo por mis hijos",
    "ya me despedí de él, lo bloqueé",
    "para que te acuerdes, me dijo que mañana a las 8",
    "no dejo de mirar el móvil",
    # families from the fourth development set (tests/safety_dev3.yml): new wordings, typos,
    # the other language, written to check the patterns added for it
    'estoy harta de que me siga escribiendo cada noche',
    'se me fueron las ganas de salir',
    'no me da miedo denunciarle',
    'quiero apagar el movil todo el finde',
    'que sentido tiene seguir pagando',
    'por que no me deja en paz',
    'si dejo de contestarle que pasa',
    'me rindo con esta app, no entiendo nada',
    'este es mi final de curso',
    'mañana ya no voy a estar en clase, tengo medico',
    'no me veo capaz de contarselo a mi madre',
    'no te voy a dar mas problemas con la denuncia, prometido',
    'si me pasa algo con la policia te aviso',
    'le regale un libro a mi hermana',
    'ya no voy a necesitar esa cuenta',
    'perdona por todo el rollo que te he soltado',
    'sin el estamos mejor, era un pesado',
    'quiero borrar mi cuenta de instagram',
    'me quito de instagram unos dias',
    'me hice un esguince en el tobillo',
    'el codigo de barras de la entrada no funciona',
    'mi gato me araño jugando',
    'llevo manga larga porque hace frio',
    'me corte el pelo muy corto',
    'me castigaron sin movil',
    'tengo capturas guardadas por si acaso',
    'cuanto tarda la policia en responder',
    'cual es la forma mas rapida de borrar una foto',
    'estuve en el mirador con mis amigos viendo la ciudad',
    'pienso en como lo haria para contarselo a mis padres',
    'solo me falta decidir si denuncio o no',
    'ya tengo la denuncia hecha',
    'mi hermana se encerro en su cuarto porque esta enfadada',
    'faltan las fotos del album',
    'mi amiga se despidio de nosotras en el aeropuerto',
    'dejo una nota en la nevera y se fue a trabajar',
    'mi madre esta en el pasillo hablando por telefono',
    'mi abuelo tiene asma pero ya lo vio el medico',
    'tomo vino con la cena',
    'mi madre no quiere que vaya sola al instituto',
    # dev4 families (2026-11-26)
    'no tengo futuro en este equipo jaja',
    'no vale la pena pagarle nada',
    'me bajo de aqui en la siguiente parada',
    'me voy a dormir ya, hasta mañana',
    'me quiero ir a dormir que mañana hay clase',
    'me di un golpe contra la puerta',
    'me daria cabezazos por haberle contestado',
    'el jarabe me provoco vomitos',
    'no he comido nada porque no tenia hambre',
    'no me merezco esto, yo no hice nada',
    'he comprado cuchillas para depilarme',
    'me compre una navaja suiza para el campamento',
    'me voy a la via verde en bici',
    'ya tengo pensado cuando denunciar',
    'mi hermano prefiere morirse de hambre antes que comer brocoli',
    'mi hija no aguanta mas a su profe de mates',
    'mi movil ya no aguanta mas la bateria',
    'mi hermana dice que ojala se muera el chantajista',
    'tiene el brazo vendado porque se lo rompio jugando',
    'gracias por todo, ha sido un placer',
    'fue bonito mientras duro, pero ya no es mi novio',
    'mi ultimo video de tiktok tiene 2000 likes',
    'siento ser tan pesada con tantas preguntas',
    'se me corto la videollamada con mi tutora',
    'mañana no estoy, me voy de viaje con mis padres',
    'hace dos años pase una etapa de autolesiones, pero ahora estoy bien',
    'tengo marcas antiguas de cuando me cortaba',
    'tenemos que trabajar la prevencion del suicidio en tutoria',
    'la serie trata de una chica que se suicida',
    'vi en el telediario que una chica se quito la vida por ciberacoso',
    'este wifi me va a matar',
    'me vas a matar de lo pesado que eres jaja',
    'le estaba pegando al balon en el patio',
    'en la peli habia muchisima sangre',
    'llevo dias pensando en el puente de diciembre',
    'el chat de ayuda es gratis? es para un trabajo de clase',
    'me preguntas si me quiero matar? no, que va, solo estoy enfadada',
    'estaba pensando q seria facil denunciar pero no',
    'he quedado con el grupo de clase para hacer el trabajo',
    'mi padre va a quedar con el abogado para que nos explique',
    'mi madre lleva toda la tarde sin contestar, estara trabajando',
    'el chantajista lleva dos semanas sin aparecer, se habra cansado?',
    'ya esta abajo esperandome mi padre',
    'me di golpes en la cabeza al caerme de la bici',
    'no voy a hacerme daño, tranquila',
    'no me voy a hacer daño de verdad, solo quiero borrar las fotos',
    'nunca me haría daño, te lo prometo',
]


def _load(name: str) -> dict:
    return yaml.safe_load((Path(__file__).parent / name).read_text(encoding="utf-8"))


# The development sets written after the lists above: tests/safety_dev.yml to safety_dev4.yml
# (dev2 to dev4 written by someone who had not seen the lexicon; dev3 aimed at what detectors
# miss, dev4 at hard negatives as much as at misses). All have the same sections: crisis,
# emergency, not_crisis, flagged_on_purpose, missed_known.
_DEV_SETS = {name: _load(name) for name in
             ("safety_dev.yml", "safety_dev2.yml", "safety_dev3.yml", "safety_dev4.yml")}


def _dev(section: str, *sets: dict) -> list[str]:
    """The messages of one section of the given development sets (default: all of them)."""
    return [text for dev in sets or _DEV_SETS.values() for lang in ("en", "es")
            for text in (dev[lang].get(section) or [])]


def _why(text: str) -> str:
    try:
        return "\n".join(f"{m['section']}{' (cancelled)' if m['cancelled'] else ''}: "
                         f"{m['pattern']} [{m['words']}]" for m in explain(text)) or "no match"
    except Exception as exc:  # noqa: BLE001
        return repr(exc)


@pytest.mark.parametrize("text", EN_CRISIS + ES_CRISIS)
def test_crisis(text):
    assert assess(text) == "crisis", _why(text)


@pytest.mark.parametrize("text", EN_EMERGENCY + ES_EMERGENCY)
def test_emergency(text):
    assert assess(text) == "emergency", _why(text)


@pytest.mark.parametrize("text", EN_NEGATIVE + ES_NEGATIVE)
def test_not_crisis(text):
    assert assess(text) is None, _why(text)


@pytest.mark.parametrize("text", _dev("crisis"))
def test_crisis_development_sets(text):
    assert assess(text) == "crisis", _why(text)


@pytest.mark.parametrize("text", _dev("emergency"))
def test_emergency_development_sets(text):
    # crisis outranks emergency, and either one brings the helplines
    assert assess(text) in ("emergency", "crisis"), _why(text)


@pytest.mark.parametrize("text", _dev("not_crisis"))
def test_not_crisis_development_sets(text):
    assert assess(text) is None, _why(text)


@pytest.mark.parametrize("text", _dev("flagged_on_purpose"))
def test_ambiguous_messages_are_flagged(text):
    assert assess(text) is not None, _why(text)


@pytest.mark.parametrize("text", _dev("missed_known"))
@pytest.mark.xfail(strict=True, reason="a known miss: when it passes, move it to crisis")
def test_known_misses(text):
    assert assess(text) == "crisis"


@pytest.mark.parametrize("name, minimums, new_to_first_set", [
    ("safety_dev.yml", {"crisis": 100, "emergency": 20, "not_crisis": 100}, True),
    # written apart from everything else, so a few common messages ("kms", "me quiero morir")
    # are also in the lists above
    ("safety_dev2.yml", {"crisis": 75, "emergency": 25, "not_crisis": 140}, False),
    ("safety_dev3.yml", {"crisis": 65, "emergency": 25, "not_crisis": 115}, False),
    ("safety_dev4.yml", {"crisis": 65, "emergency": 25, "not_crisis": 150}, False),
])
def test_development_set_size_and_overlap(name, minimums, new_to_first_set):
    dev = _DEV_SETS[name]
    first = set(EN_CRISIS + EN_EMERGENCY + EN_NEGATIVE + ES_CRISIS + ES_EMERGENCY + ES_NEGATIVE)
    for lang in ("en", "es"):
        for section, minimum in minimums.items():
            cases = dev[lang][section]
            assert len(set(cases)) == len(cases), f"{lang} {section} has duplicates"
            assert len(cases) >= minimum, f"{lang} {section}"
    every = [t for lang in ("en", "es") for cases in dev[lang].values() for t in cases or []]
    assert len(set(every)) == len(every), "a message is in two sections"
    if new_to_first_set:
        assert not first & set(every), "already in the first set"


# --- the NLU guard: only_idioms ------------------------------------------------------------
# Messages an NLU model tends to read as crisis, and the lexicon explains as idioms: the guard
# (chatbot.rasa_plugins.CrisisIdiomGuard) may overrule the model on them.
IDIOMS_ONLY = [
    "me muero de vergüenza", "me muero de risa jajaja", "me mato a estudiar", "mi madre me mata si se entera",
    "esto me está matando", "me muero si lo ven mis amigas", "sería un suicidio social que lo vieran todos",
    "me he cortado el pelo", "estoy muerta de cansancio", "se me ha muerto el móvil",
    "mi madre está fuera esperándome en el coche", "me sigue en instagram y me manda mensajes",
    "no puedo más de la risa", "ya no aguanto a ese tío", "estaba matando el tiempo",
    "i'm dying of embarrassment", "this is killing me lol", "i'd die if my mum saw those pics",
    "my mom is going to kill me if she finds out", "the movie was suicide squad",
    "it would be social suicide to tell anyone", "i cut my hair last night", "dead tired after school today",
    "he hacked into my instagram", "someone is following me on insta", "i'm bored to death",
    "this exam is going to be the death of me", "my phone died last night", "I keep dying in Fortnite",
    "he said he'd ruin my life", "i burned myself on the oven",
    "i'm not going to hurt myself, i just need help",
    'no voy a hacerme daño, tranquila',
    'nunca me haría daño, te lo prometo',
    'not suicidal or anything lol just stressed',
]
# An idiom is there, but so is a crisis phrase or an alarming word outside it: the model's
# crisis reading must stand.
IDIOM_AND_MORE = [
    "me muero de vergüenza, me quiero morir", "my mom is gonna kill me, i want to die",
    "i'm dying of embarrassment and i have the pills here", "mi madre me mata si se entera, tengo un cuchillo",
    "this is killing me lol, i can't see the point of living", "me muero de vergüenza y no quiero vivir",
    "i cut my hair and then i cut myself", "ya no aguanto a ese tío, me quiero morir",
    "my mum will kill me, nobody would miss me anyway", "me mato a estudiar y aun asi soy una carga",
    "i'd die if my mum saw, and honestly i want to disappear forever",
    "i'm dying of embarrassment. i'm on the bridge",
    'im not going to hurt myself, i just need help. i already took all the pills',
    'no voy a hacerme daño, tranquila. mentira, ya tengo las pastillas',
]


@pytest.mark.parametrize("text", IDIOMS_ONLY)
def test_only_idioms(text):
    assert only_idioms(text), _why(text)


@pytest.mark.parametrize("text", IDIOM_AND_MORE + EN_CRISIS + ES_CRISIS + EN_EMERGENCY + ES_EMERGENCY
                         + _dev("crisis") + _dev("emergency") + _dev("missed_known")
                         + _dev("flagged_on_purpose"))
def test_never_only_idioms_with_a_crisis_sign(text):
    assert not only_idioms(text), _why(text)


@pytest.mark.parametrize("value", [None, "", "   ", b"me muero de risa", "x" * 60_000, 12])
def test_only_idioms_never_raises(value):
    assert only_idioms(value) in (True, False)


def test_only_idioms_says_false_when_the_lexicon_breaks(monkeypatch):
    class Broken:
        def only_idioms(self, text):
            raise RuntimeError("boom")

    monkeypatch.setattr(safety, "_detector", Broken())
    assert only_idioms("me muero de risa") is False


def test_development_set_size():
    for name, cases, minimum in [("EN_CRISIS", EN_CRISIS, 60), ("ES_CRISIS", ES_CRISIS, 60),
                                 ("EN_EMERGENCY", EN_EMERGENCY, 20),
                                 ("ES_EMERGENCY", ES_EMERGENCY, 20),
                                 ("EN_NEGATIVE", EN_NEGATIVE, 80), ("ES_NEGATIVE", ES_NEGATIVE, 80)]:
        assert len(set(cases)) == len(cases), f"{name} has duplicates"
        assert len(cases) >= minimum, name


# --- combinations ------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "he's outside my house and I want to kill myself",
    "hay alguien fuera de mi casa y me quiero morir",
    "call the police, i'm going to end it",
])
def test_crisis_outranks_emergency(text):
    assert assess(text) == "crisis"


@pytest.mark.parametrize("text", [
    "me muero de vergüenza, me quiero morir",
    "my mom is gonna kill me, i want to die",
    "i'm dying of embarrassment and honestly i want to kill myself",
    "mi madre me mata si se entera, ya no quiero vivir",
])
def test_idiom_does_not_hide_a_crisis_next_to_it(text):
    assert assess(text) == "crisis", _why(text)


def test_crisis_inside_a_long_blackmail_story():
    story = ("Hi. A guy I met on Instagram made fake nudes of me with an app and now he says he "
             "will send them to my school group chat and my family unless I pay him 300 euros "
             "by Friday. I blocked him but he made a new account and keeps messaging me. ") * 3
    assert assess(story) is None
    assert assess(story + "Honestly I don't see the point anymore, I just want to disappear.") == "crisis"
    es = ("Un chico de otro instituto ha hecho fotos falsas mías desnuda con una app y dice que "
          "las va a pasar al grupo de clase si no le pago. Le he bloqueado pero me escribe desde "
          "otra cuenta. ") * 3
    assert assess(es) is None
    assert assess(es + "No se lo puedo contar a nadie y ya no quiero vivir.") == "crisis"


def test_explain_shows_cancelled_idioms():
    matches = explain("my mom is gonna kill me lol")
    assert any(m["section"] == "not_crisis" for m in matches)
    assert all(m["cancelled"] for m in matches if m["section"] != "not_crisis")


# --- robustness --------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "", " ", "\n\n\t", "\x00", "\x00\x00\x00", "😀😀😀", "🔪🩸💀", "\u200f\u200e\u202e", "?!?!...",
    "**", "* * *", "@@@", "$$$", "|||", "((((", "))))", "'''", "\ufeff", "\ud800", "ｈｏｌａ",
    "a" * 10_000, "jaja " * 2_000, "x" * 100_000, "\u0301" * 50, "🏳️‍🌈" * 500,
    "ابحث عن المساعدة", "寻求帮助", "Ёж", "\x1b[31mred\x1b[0m", "1234567890" * 100,
])
def test_never_raises_on_odd_input(text):
    assert assess(text) in (None, "crisis", "emergency")


@pytest.mark.parametrize("value", [None, 0, 12.5, ["i want to die"], {"a": 1}, object()])
def test_never_raises_on_non_text(value):
    assert assess(value) in (None, "crisis", "emergency")


def test_bytes_are_read_as_utf8():
    assert assess("me quiero morir".encode()) == "crisis"


@pytest.mark.parametrize("text", [
    "me quiero\u200f morir",                 # right-to-left mark inside the phrase
    "\u202ei want to die",                   # right-to-left override in front
    "sui\u200dcide",                         # zero-width joiner inside a word
    "i want\x00 to die",                     # null byte
    "ｉ ｗａｎｔ ｔｏ ｄｉｅ",                  # full-width letters
    "I WANT TO DIE 😭😭😭",
    "me quiero morir 💔",
    "k.m.s",
    "m e  q u i e r o  m o r i r",
])
def test_crisis_survives_odd_characters(text):
    assert assess(text) == "crisis", _why(text)


def test_long_messages():
    filler = "he keeps sending me messages and i do not know what to do. " * 170  # ~10,000 chars
    assert len(filler) >= 10_000
    assert assess(filler) is None
    assert assess(filler + "i want to die") == "crisis"
    assert assess("i want to die. " + filler) == "crisis"
    huge = "bla bla. " * 20_000 + "me quiero morir" + " bla bla." * 20_000  # sliced internally
    assert assess(huge) == "crisis"


def test_thread_safe_lazy_loading(monkeypatch):
    from chatbot.safety import detector as detector_module

    created = []
    real = detector_module.Detector

    class Counting(real):
        def __init__(self, *a, **kw):
            created.append(1)
            super().__init__(*a, **kw)

    monkeypatch.setattr(detector_module, "Detector", Counting)
    monkeypatch.setattr(safety, "_detector", None)
    results: list = []
    cases = [("i want to die", "crisis"), ("hola", None), ("he's outside my house", "emergency"),
             ("me quiero morir", "crisis")] * 4

    def worker(text, expected):
        results.append(assess(text) == expected)

    threads = [threading.Thread(target=worker, args=case) for case in cases]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(created) == 1
    assert all(results) and len(results) == len(cases)


def test_falls_back_to_keywords_when_the_detector_breaks(monkeypatch):
    class Broken:
        def assess(self, text):
            raise RuntimeError("boom")

    monkeypatch.setattr(safety, "_detector", Broken())
    assert assess("quiero suicidarme") == "crisis"
    assert assess("i want to die") == "crisis"
    assert assess("someone is following me") == "emergency"
    assert assess("hola, ¿qué tal?") is None


# --- the lexicon files and their syntax --------------------------------------------------------
def test_lexicon_files_compile_with_every_section():
    det = safety.get_detector()
    sections = {(c.origin, c.section) for c in det.patterns}
    for origin in ("en.yml", "es.yml"):
        for section in ("crisis", "emergency", "not_crisis"):
            assert (origin, section) in sections


def test_command_line_check(capsys):
    from chatbot.safety.__main__ import main

    assert main(["--check"]) == 0
    assert "OK" in capsys.readouterr().out
    assert main(["me quiero morir"]) == 0
    assert "crisis" in capsys.readouterr().out


def _lexicon(tmp_path, text):
    (tmp_path / "xx.yml").write_text(text, encoding="utf-8")
    from chatbot.safety.detector import Detector

    return Detector(tmp_path, dictionary=False)


def test_pattern_syntax(tmp_path):
    det = _lexicon(tmp_path, """
words:
  feel: [feel, am feeling, have been]
crisis:
  - red|blue sky
  - (dark cloud|storm) above
  - big? wave
  - sun* rise
  - quiet * night
  - long ** road
  - not !happy ending
  - '# red balloons'
  - end .
  - i @feel lost
emergency:
  - loud bang
not_crisis:
  - blue sky mining
""")
    yes = ["red sky", "BLUE skyyy", "dark cloud above", "storm above", "wave", "big wave",
           "sunny rise", "sunshine rise", "quiet night", "quiet dark night", "long road",
           "long and winding road", "not sad ending", "99 red balloons", "the end.", "the end",
           "i feel lost", "i am feeling lost", "i have been lost"]
    no = ["green sky", "cloud above", "quiet very dark night",
          "not happy ending", "red balloons", "the end is near", "blue sky mining", "i lost",
          "long and very very winding road"]
    for text in yes:
        assert det.assess(text) == "crisis", text
    for text in no:
        assert det.assess(text) is None, text
    assert det.assess("loud bang") == "emergency"
    assert det.assess("loud bang, red sky") == "crisis"


@pytest.mark.parametrize("bad", [
    "crisis:\n  - (unclosed group\n",
    "crisis:\n  - '@missing group'\n",
    "crisis:\n  - 'suic* ok'\n",            # * cut after a c: its sound depends on what follows
    "crisis:\n  - '* **'\n",                # nothing but gaps
    "crisis:\n  - optional?\n",             # nothing required
    "typo: []\n",                           # unknown section
    "crisis:\n  - adios\nnot_crisis:\n  - hola\ncrisis:\n  - chao\n",  # a section twice: YAML keeps the last
])
def test_lexicon_errors_are_reported(tmp_path, bad):
    from chatbot.safety.patterns import LexiconError

    with pytest.raises(LexiconError):
        _lexicon(tmp_path, bad)
