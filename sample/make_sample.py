#!/usr/bin/env python
"""Generate the synthetic NeurIPS-style sample corpus and its ground truth.

    .venv/bin/python sample/make_sample.py            # write PDFs + ground_truth.csv
    .venv/bin/python sample/make_sample.py --check    # also read the PDFs back with
                                                      # pdfminer and compare to the truth
    .venv/bin/python sample/make_sample.py --real-src /path/to/papers
                                                      # (re)copy the 3 openly licensed
                                                      # real PDFs into the corpus
    .venv/bin/python sample/make_sample.py --table    # print the expected counts
                                                      # (README.md) from ground_truth.csv

Everything a PDF shows (title, authors, affiliation lines, e-mails, abstract, body,
references) is built from the PAPERS table below, and every ground-truth column is
derived from that same table; the PDFs are never read back to make the truth. The
optional --check reads them back only to confirm that pdfminer sees what the truth says.

Output is byte-for-byte reproducible: reportlab's invariant mode (fixed dates and
document id), no clocks, and every "random" choice is a SHA-256 of a fixed key.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.pagesizes import letter
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
TRUTH = HERE / "ground_truth.csv"
# Per-author countries of the generated papers, and the count of US-China papers under
# every counting rule (paperscope.counting.rules), computed here from PAPERS on their own.
AUTHORS_TRUTH = HERE / "authors_truth.csv"
RULES_TRUTH = HERE / "rules_truth.csv"
CHINA = {"mainland": {"CN"}, "greater": {"CN", "HK", "MO", "TW"}}
MIN_SHARE, MIN_AUTHORS = 1 / 3, 2

# --------------------------------------------------------------------------------------
# Affiliations: the only strings used, with their ISO 3166-1 alpha-2 country and the
# e-mail domain of their authors.
# --------------------------------------------------------------------------------------
AFFILIATIONS = {
    # US
    "MIT": ("Massachusetts Institute of Technology, Cambridge, MA, USA", "US", "mit.edu"),
    "Stanford": ("Stanford University, Stanford, CA, USA", "US", "cs.stanford.edu"),
    "CMU": ("Carnegie Mellon University, Pittsburgh, PA, USA", "US", "cs.cmu.edu"),
    "UW": ("University of Washington, Seattle, WA, USA", "US", "cs.washington.edu"),
    "MSR": ("Microsoft Research, Redmond, WA, USA", "US", "microsoft.com"),
    "Berkeley": ("University of California, Berkeley, CA, USA", "US", "berkeley.edu"),
    "NVIDIA": ("NVIDIA, Santa Clara, CA, USA", "US", "nvidia.com"),
    # mainland China
    "Tsinghua": ("Tsinghua University, Beijing, China", "CN", "tsinghua.edu.cn"),
    "PKU": ("Peking University, Beijing, China", "CN", "pku.edu.cn"),
    "SJTU": ("Shanghai Jiao Tong University, Shanghai, China", "CN", "sjtu.edu.cn"),
    "ZJU": ("Zhejiang University, Hangzhou, China", "CN", "zju.edu.cn"),
    "Alibaba": ("Alibaba Group, Hangzhou, China", "CN", "alibaba-inc.com"),
    "ShanghaiAILab": ("Shanghai AI Laboratory, Shanghai, China", "CN", "pjlab.org.cn"),
    # Hong Kong, Taiwan
    "CUHK": ("The Chinese University of Hong Kong, Hong Kong", "HK", "cse.cuhk.edu.hk"),
    "NTU-TW": ("National Taiwan University, Taipei, Taiwan", "TW", "csie.ntu.edu.tw"),
    # elsewhere
    "Oxford": ("University of Oxford, Oxford, UK", "GB", "cs.ox.ac.uk"),
    "ETH": ("ETH Zurich, Zurich, Switzerland", "CH", "inf.ethz.ch"),
    "Toronto": ("University of Toronto, Toronto, Canada", "CA", "cs.toronto.edu"),
    "Tokyo": ("The University of Tokyo, Tokyo, Japan", "JP", "g.ecc.u-tokyo.ac.jp"),
    "KAIST": ("KAIST, Daejeon, South Korea", "KR", "kaist.ac.kr"),
}

# Optional department prefixes, keyed by (paper id, affiliation key).
DEPT_CS = "Department of Computer Science, "
DEPT_EE = "Department of Electrical Engineering, "
DEPT_AI = "School of Artificial Intelligence, "

# --------------------------------------------------------------------------------------
# Model terms. Canonical names are the truth vocabulary; SNIPPETS are the only sentences
# that contain them, each tagged with exactly the terms it mentions and with what it says
# of them, read as the dev labels are (../shared/papers-dev README, labels_mentions.tsv):
# USED when the paper itself trains, fine-tunes, evaluates, prompts, builds on or compares
# against the model in its own work ("We fine-tune LLaMA", "The expert routing follows
# DeepSeek-V3"); CITED when it only names it. A paper uses a term when one of the
# sentences drawn in its body (abstract and sections) uses it.
# --------------------------------------------------------------------------------------
USED, CITED = "used", "cited"
TERMS = ["BERT", "Claude", "DeepSeek", "Diffusion model", "GPT", "Gemma", "Llama", "Mamba", "Mistral", "Qwen",
         "Transformer", "ViT"]

SNIPPETS = [
    # (terms mentioned, sentence, what the sentence says of them: USED or CITED)
    ({"Transformer"}, "Our encoder is a standard Transformer with pre-layer normalization and rotary position embeddings.", USED),
    ({"Transformer"}, "Compared with dense transformers of the same width, the proposed layer reduces memory traffic by about a third.", USED),
    ({"Transformer"}, "We further compare against strong transformer-based baselines trained on exactly the same data mixture.", USED),
    ({"Llama"}, "We fine-tune LLaMA with low-rank adapters on a single node of eight accelerators.", USED),
    ({"Llama"}, "For the dialogue setting we start from Llama 2 and keep the original tokenizer unchanged.", USED),
    ({"Llama"}, "Most experiments use Llama-3.1-8B as the backbone with a context length of 8192 tokens.", USED),
    ({"Qwen"}, "We also evaluate Qwen at the 7B scale to test whether the gains carry over across model families.", USED),
    ({"Qwen"}, "For inputs that mix images and text we use Qwen2.5-VL as the vision-language backbone.", USED),
    ({"GPT"}, "Reference answers were produced by GPT-4 and then checked by two independent annotators.", USED),
    ({"GPT"}, "We use GPT-4o as an automatic judge and report its agreement with human ratings.", USED),
    ({"BERT"}, "Token representations are taken from the last hidden layer of BERT without any further pooling.", USED),
    ({"BERT"}, "As a classic baseline we fine-tune BERT on each task with the recommended learning rate.", USED),
    ({"ViT"}, "The image encoder is a ViT-B/16 pretrained on ImageNet-21k and kept frozen during adaptation.", USED),
    ({"ViT"}, "We replace the convolutional stem with a ViT and keep the patch size fixed at 16 pixels.", USED),
    ({"ViT", "Transformer"}, "The backbone is a Vision Transformer (ViT) with twelve layers and a hidden size of 768.", USED),
    ({"Mamba"}, "We replace every second attention layer with a Mamba block, whose cost grows linearly with sequence length.", USED),
    ({"Mamba"}, "The Mamba layers are initialized from publicly released checkpoints and trained with a lower learning rate.", USED),
    ({"DeepSeek"}, "We distill long reasoning traces from DeepSeek-R1 into a considerably smaller student model.", USED),
    ({"DeepSeek"}, "The expert routing follows DeepSeek-V3 and uses auxiliary-loss-free load balancing.", USED),
    ({"Llama"}, "For the code tasks we start from Code Llama at the 7B scale.", USED),
    ({"Qwen"}, "For long reasoning traces we also report QwQ-32B under the same token budget.", USED),
    ({"GPT"}, "Small ablations use GPT-2 so that every run fits on one device.", USED),
    ({"Claude"}, "We also query Claude 3.5 Sonnet through its public interface with identical prompts.", USED),
    ({"Claude"}, "Claude 3 Opus serves as a second judge to check that the ranking is not judge-specific.", USED),
    ({"Mistral"}, "The open-weight baseline is Mistral-7B, fine-tuned with the same recipe.", USED),
    ({"Mistral"}, "We also route tokens as in Mixtral-8x7B, with two active experts out of eight.", USED),
    ({"Gemma"}, "Gemma-2-9B is used as a smaller open model that fits on a single device.", USED),
    ({"Gemma"}, "For the multilingual split we fine-tune Gemma 2 with the same adapters.", USED),
    ({"Diffusion model"}, "Images are synthesized with a latent diffusion model conditioned on the caption.", USED),
    ({"Diffusion model"}, "We compare against diffusion models trained on the same number of images.", USED),
]

# Look-alikes that must not count: people named Claude and Gemma, the animals.
TRAPS = [
    "We thank Gemma Hughes and Claude Martin for comments on an early draft.",
    "The photographs of a llama and of a black mamba in Figure 3 come from a public archive.",
]

# Bibliography entries, tagged with the terms their text mentions.
REFS = {
    "vaswani": (set(), "A. Vaswani, N. Shazeer, N. Parmar, J. Uszkoreit, L. Jones, A. N. Gomez, L. Kaiser, and I. Polosukhin. Attention is all you need. In Advances in Neural Information Processing Systems, 2017."),
    "kingma": (set(), "D. P. Kingma and J. Ba. Adam: A method for stochastic optimization. In International Conference on Learning Representations, 2015."),
    "he": (set(), "K. He, X. Zhang, S. Ren, and J. Sun. Deep residual learning for image recognition. In IEEE Conference on Computer Vision and Pattern Recognition, 2016."),
    "kaplan": (set(), "J. Kaplan, S. McCandlish, T. Henighan, T. B. Brown, B. Chess, R. Child, S. Gray, A. Radford, J. Wu, and D. Amodei. Scaling laws for neural language models. arXiv preprint arXiv:2001.08361, 2020."),
    "hu": (set(), "E. J. Hu, Y. Shen, P. Wallis, Z. Allen-Zhu, Y. Li, S. Wang, L. Wang, and W. Chen. LoRA: Low-rank adaptation of large language models. In International Conference on Learning Representations, 2022."),
    "wei": (set(), "J. Wei, X. Wang, D. Schuurmans, M. Bosma, B. Ichter, F. Xia, E. Chi, Q. Le, and D. Zhou. Chain-of-thought prompting elicits reasoning in large language models. In Advances in Neural Information Processing Systems, 2022."),
    "ho": ({"Diffusion model"}, "J. Ho, A. Jain, and P. Abbeel. Denoising diffusion probabilistic models. In Advances in Neural Information Processing Systems, 2020."),
    "radford": (set(), "A. Radford, J. W. Kim, C. Hallacy, A. Ramesh, G. Goh, S. Agarwal, G. Sastry, A. Askell, P. Mishkin, J. Clark, G. Krueger, and I. Sutskever. Learning transferable visual models from natural language supervision. In International Conference on Machine Learning, 2021."),
    "gilmer": (set(), "J. Gilmer, S. S. Schoenholz, P. F. Riley, O. Vinyals, and G. E. Dahl. Neural message passing for quantum chemistry. In International Conference on Machine Learning, 2017."),
    "ouyang": (set(), "L. Ouyang, J. Wu, X. Jiang, D. Almeida, C. Wainwright, P. Mishkin, C. Zhang, S. Agarwal, K. Slama, A. Ray, et al. Training language models to follow instructions with human feedback. In Advances in Neural Information Processing Systems, 2022."),
    "devlin": ({"BERT", "Transformer"}, "J. Devlin, M.-W. Chang, K. Lee, and K. Toutanova. BERT: Pre-training of deep bidirectional transformers for language understanding. In Proceedings of NAACL-HLT, 2019."),
    "touvron": ({"Llama"}, "H. Touvron, T. Lavril, G. Izacard, X. Martinet, M.-A. Lachaux, T. Lacroix, B. Roziere, N. Goyal, E. Hambro, F. Azhar, et al. LLaMA: Open and efficient foundation language models. arXiv preprint arXiv:2302.13971, 2023."),
    "dosovitskiy": ({"Transformer"}, "A. Dosovitskiy, L. Beyer, A. Kolesnikov, D. Weissenborn, X. Zhai, T. Unterthiner, M. Dehghani, M. Minderer, G. Heigold, S. Gelly, J. Uszkoreit, and N. Houlsby. An image is worth 16x16 words: Transformers for image recognition at scale. In International Conference on Learning Representations, 2021."),
    "gu": ({"Mamba"}, "A. Gu and T. Dao. Mamba: Linear-time sequence modeling with selective state spaces. In Conference on Language Modeling, 2024."),
    "deepseek_v3": ({"DeepSeek"}, "DeepSeek-AI. DeepSeek-V3 technical report. arXiv preprint arXiv:2412.19437, 2024."),
    "deepseek_r1": ({"DeepSeek"}, "DeepSeek-AI. DeepSeek-R1: Incentivizing reasoning capability in LLMs via reinforcement learning. arXiv preprint arXiv:2501.12948, 2025."),
    "qwen25": ({"Qwen"}, "Qwen Team. Qwen2.5 technical report. arXiv preprint arXiv:2412.15115, 2024."),
    "openai_gpt4": ({"GPT"}, "OpenAI. GPT-4 technical report. arXiv preprint arXiv:2303.08774, 2023."),
    "rombach": ({"Diffusion model"}, "R. Rombach, A. Blattmann, D. Lorenz, P. Esser, and B. Ommer. High-resolution image synthesis with latent diffusion models. In IEEE Conference on Computer Vision and Pattern Recognition, 2022."),
    "jiang_mixtral": ({"Mistral"}, "A. Q. Jiang, A. Sablayrolles, A. Roux, A. Mensch, B. Savary, et al. Mixtral of experts. arXiv preprint arXiv:2401.04088, 2024."),
    "anthropic": ({"Claude"}, "Anthropic. The Claude 3 model family: Opus, Sonnet, Haiku. Model card, 2024."),
    "mesnard": ({"Gemma"}, "T. Mesnard, C. Hardin, R. Dadashi, S. Bhupatiraju, et al. Gemma: Open models based on Gemini research and technology. arXiv preprint arXiv:2403.08295, 2024."),
}

# Term-free filler sentences for abstracts and bodies.
FILLER = [
    "Large pretrained models have become the default starting point for a wide range of tasks.",
    "However, their behaviour under realistic compute budgets remains poorly understood.",
    "We study this question with a controlled set of experiments across several data regimes.",
    "Our analysis shows that the choice of data mixture matters more than the number of parameters.",
    "We release code, configuration files and evaluation scripts to support reproducibility.",
    "Prior work has mostly focused on the pretraining stage and has paid less attention to adaptation.",
    "A second line of research studies how models generalize to inputs longer than those seen in training.",
    "Several recent methods trade a small loss in accuracy for a large reduction in memory use.",
    "We formalize the setting as the minimization of an expected loss over a family of tasks.",
    "Let x denote the input sequence and y the target, both drawn from an unknown distribution.",
    "The objective combines a likelihood term with a regularizer that penalizes large updates.",
    "We optimize all parameters with Adam, a cosine learning rate schedule and a short warmup.",
    "Gradients are clipped to a global norm of one and the batch size is kept fixed across runs.",
    "Each configuration is trained with three random seeds and we report the mean and standard deviation.",
    "The method adds fewer than one percent of extra parameters and no extra inference latency.",
    "We evaluate on five public benchmarks that cover classification, retrieval and generation.",
    "Results are summarized in Table 1, where the best number in each column is shown in bold.",
    "The proposed approach improves the average score by 2.3 points over the strongest baseline.",
    "Gains are largest in the low-data regime, where the baseline tends to overfit quickly.",
    "An ablation shows that both components are needed and that neither is sufficient on its own.",
    "We observe that performance saturates once the auxiliary loss weight exceeds a small threshold.",
    "Figure 2 plots accuracy against training compute on a logarithmic scale.",
    "The curves suggest a simple power law with an exponent close to one half.",
    "Qualitative examples indicate that most remaining errors stem from ambiguous annotations.",
    "Our study has limitations: we consider only English data and a single family of tokenizers.",
    "Extending the analysis to other languages and modalities is an important direction for future work.",
    "We hope that these findings will help practitioners choose sensible defaults.",
    "Broader impact: better sample efficiency lowers the cost of research for smaller groups.",
    "At the same time, cheaper adaptation may also lower the barrier to misuse, which we discuss in the appendix.",
    "All experiments were run on a shared cluster and took roughly two thousand accelerator hours in total.",
    "Hyperparameters were selected on a held-out validation split and never on the test data.",
    "We use exact match as the main metric and report token-level F1 as a secondary metric.",
    "To reduce variance we average the metric over five evaluation prompts per task.",
    "Retrieval is performed with a dense index built over two million passages.",
    "The memory module stores compressed summaries of earlier segments and is read with a learned query.",
    "A lightweight router decides for every token which of the specialized modules to use.",
    "Our theoretical result bounds the excess risk by a term that decays with the number of samples.",
    "The proof, deferred to the appendix, relies on a standard uniform convergence argument.",
    "Empirically, the bound is loose by a constant factor but predicts the correct trend.",
    "Data deduplication removes about seven percent of the training examples.",
    "Surprisingly, a simple linear probe already recovers most of the relevant structure.",
    "We find no evidence that the improvements come from contamination of the evaluation sets.",
    "In summary, careful data curation yields consistent and reproducible improvements.",
    "The remainder of this paper describes the setup, the method and the empirical results in turn.",
    "Our contributions are threefold: a new benchmark, a simple method and a thorough analysis.",
    "Augmentations are sampled independently for every example and every training step.",
    "Inference uses greedy decoding with a maximum of 512 new tokens.",
    "Human raters preferred our outputs in 61 percent of the pairwise comparisons.",
]

ABSTRACT_OPENERS = [0, 5, 6, 7, 44, 36, 40]
ABSTRACT_CLOSERS = [17, 18, 42, 26, 4, 19]


# --------------------------------------------------------------------------------------
# The papers. Everything in the ground truth comes from here.
# --------------------------------------------------------------------------------------
@dataclass
class Paper:
    year: int
    num: int
    title: str
    affs: list            # affiliation keys, in marker order (marker = index + 1)
    authors: list         # (name, [marker, ...]); empty markers -> anonymous
    body_terms: set       # terms mentioned before References (title/abstract/body)
    refs: list            # keys into REFS
    depts: dict = field(default_factory=dict)   # affiliation key -> department prefix
    size: int = 1         # body length 0..3 (about 2, 2-3, 3 and 4 pages)
    anonymous: bool = False
    traps: bool = False   # the TRAPS sentences close the Conclusion

    @property
    def file(self) -> str:
        return f"{self.year}/neurips{self.year}_{self.num:02d}.pdf"

    def aff_lines(self) -> list:
        return [self.depts.get(k, "") + AFFILIATIONS[k][0] for k in self.affs]

    def countries(self) -> list:
        return sorted({AFFILIATIONS[k][1] for k in self.affs})

    def full_terms(self) -> set:
        out = set(self.body_terms)
        for r in self.refs:
            out |= REFS[r][0]
        return out


P = Paper
PAPERS = [
    # ---------------------------------------------------------------- 2024 (12 papers)
    P(2024, 1, "Scaling Laws for Retrieval-Augmented Reasoning",
      ["Stanford", "MIT"],
      [("Emily Carter", [1]), ("Michael Brooks", [1, 2]), ("Sarah Nguyen", [2])],
      {"Transformer", "BERT", "GPT"}, ["vaswani", "devlin", "kaplan", "openai_gpt4"],
      depts={"Stanford": DEPT_CS}, size=1),
    P(2024, 2, "Hybrid State-Space Models for Long-Context Language Modeling",
      ["CMU"],
      [("Daniel Rivera", [1]), ("Laura Bennett", [1])],
      {"Mamba", "Transformer"}, ["vaswani", "gu", "touvron", "kingma"],   # Llama: refs only
      size=0),
    P(2024, 3, "Efficient Instruction Tuning with Curriculum Data Selection",
      ["Tsinghua", "PKU"],
      [("Wei Zhang", [1]), ("Xin Li", [1]), ("Yifan Wang", [2]), ("Hao Chen", [1, 2])],
      {"Qwen", "Llama", "Transformer"}, ["touvron", "qwen25", "hu", "ouyang"],
      depts={"Tsinghua": DEPT_CS}, size=3),
    P(2024, 4, "Tool-Augmented Agents for Multilingual Question Answering",
      ["Alibaba"],
      [("Jing Liu", [1]), ("Zhiwei Yang", [1]), ("Mingyu Zhao", [1])],
      {"Qwen", "GPT", "Gemma"}, ["qwen25", "openai_gpt4", "wei", "mesnard"],
      size=0),
    P(2024, 5, "Calibrated Uncertainty for Large Language Model Judges",
      ["Stanford", "Tsinghua"],
      [("Jessica Patel", [1]), ("Lei Huang", [2]), ("Ryan Mitchell", [1]), ("Yue Sun", [2])],
      {"Llama", "GPT", "Transformer"}, ["touvron", "openai_gpt4", "ouyang"],
      size=2),
    P(2024, 6, "Patch-Level Contrastive Pretraining for Dense Prediction",
      ["CMU", "SJTU", "MSR"],
      [("Kevin Walsh", [1]), ("Jun Xu", [2]), ("Rachel Green", [3]), ("Tao Feng", [2, 3])],
      {"ViT"}, ["dosovitskiy", "he", "radford"],   # Transformer: refs only
      depts={"SJTU": DEPT_AI}, size=1),
    P(2024, 7, "Sparse Probing of Linguistic Structure in Pretrained Encoders",
      ["UW", "ZJU"],
      [("Megan Foster", [1]), ("Chen Gao", [2]), ("Jian Zhou", [2]), ("Tyler Reed", [1])],
      {"BERT"}, ["devlin", "kingma", "radford"],   # Transformer: refs only
      size=0),
    P(2024, 8, "Provable Length Generalization in Sequence Models",
      ["Oxford", "ETH"],
      [("Oliver Hughes", [1]), ("Lukas Meier", [2]), ("Charlotte Evans", [1])],
      {"Transformer", "Mamba"}, ["vaswani", "gu", "kaplan"],
      size=1),
    P(2024, 9, "Cross-Lingual Preference Optimization without Parallel Data",
      ["CUHK", "Toronto"],
      [("Ka Wai Cheung", [1]), ("Hoi Yan Lam", [1]), ("Liam Tremblay", [2])],
      {"Llama", "Qwen"}, ["touvron", "qwen25", "ouyang"],
      depts={"Toronto": DEPT_CS}, size=0),
    P(2024, 10, "On <script>alert(1)</script> Robustness of Vision Models",
      ["NTU-TW", "NVIDIA"],
      [("Yu-Ting Lin", [1]), ("Chia-Hao Wu", [1, 2]), ("Andrew Park", [2])],
      {"Transformer", "ViT", "Diffusion model"}, ["dosovitskiy", "he", "radford", "rombach"],
      depts={"NTU-TW": DEPT_EE}, size=1),
    P(2024, 11, "Self-Correcting Code Generation with Execution Feedback",
      [],
      [("Anonymous Author(s)", [])],
      {"GPT", "Llama"}, ["openai_gpt4", "touvron", "deepseek_v3"],   # DeepSeek: refs only
      size=0, anonymous=True),
    P(2024, 12, "Graph Neural Diffusion for Molecular Property Prediction",
      ["Tokyo", "KAIST"],
      [("Haruto Sato", [1]), ("Minjun Park", [2]), ("Yui Tanaka", [1])],
      set(), ["gilmer", "ho", "kingma"],   # no terms in the body, only look-alikes; Diffusion model: refs only
      size=0, traps=True),
    # ---------------------------------------------------------------- 2025 (14 papers)
    P(2025, 1, "Test-Time Compute Allocation for Reasoning Models",
      ["Berkeley"],
      [("Nathan Cole", [1]), ("Emma Howard", [1]), ("Brian Lee", [1])],
      {"Llama", "GPT", "DeepSeek"}, ["deepseek_r1", "wei", "openai_gpt4"],
      depts={"Berkeley": DEPT_EE}, size=1),
    P(2025, 2, "Linear-Time Sequence Mixing for Genomic Foundation Models",
      ["MSR", "UW"],
      [("Hannah Price", [1]), ("Samuel Ortiz", [2]), ("Grace Turner", [1, 2])],
      {"Transformer", "Mamba"}, ["vaswani", "gu", "kaplan"],
      size=2),
    P(2025, 3, "Robust Visual Representations under Distribution Shift",
      ["NVIDIA", "MIT"],
      [("Kevin Walsh", [1]), ("Olivia Grant", [2])],
      {"ViT", "Diffusion model"}, ["he", "radford", "kingma", "ho"],
      size=0),
    P(2025, 4, "Reinforcement Learning from Verifiable Rewards at Scale",
      ["ShanghaiAILab", "ZJU"],
      [("Yuxuan Wu", [1]), ("Haoran Xu", [1, 2]), ("Qing Ma", [2]), ("Jiahui Lin", [1])],
      {"Qwen", "DeepSeek", "Llama"}, ["deepseek_r1", "qwen25", "touvron", "ouyang"],
      size=3),
    P(2025, 5, "Long-Context Retrieval with Hierarchical Memory",
      ["PKU"],
      [("Bo Han", [1]), ("Rui Deng", [1])],
      {"Qwen", "Transformer"}, ["vaswani", "qwen25", "touvron"],   # Llama: refs only
      depts={"PKU": DEPT_CS}, size=1),
    P(2025, 6, "Multilingual Safety Alignment via Constitutional Feedback",
      ["MIT", "Tsinghua"],
      [("Olivia Grant", [1]), ("Wei Zhang", [2]), ("Yifan Wang", [2]), ("Daniel Rivera", [1])],
      {"Qwen", "Llama", "GPT", "Claude"}, ["ouyang", "touvron", "qwen25", "openai_gpt4", "anthropic"],
      size=1),
    P(2025, 7, "Mixture-of-Experts Routing for Efficient Reasoning",
      ["Stanford", "Alibaba"],
      [("Emily Carter", [1]), ("Mingyu Zhao", [2]), ("Jing Liu", [2])],
      {"DeepSeek", "Qwen", "Mistral"}, ["deepseek_v3", "qwen25", "kaplan", "jiang_mixtral"],
      size=0),
    P(2025, 8, "Mechanistic Analysis of In-Context Learning Circuits",
      ["Berkeley", "ShanghaiAILab", "Oxford"],
      [("Brian Lee", [1]), ("Jiahui Lin", [2]), ("Charlotte Evans", [3]), ("Hao Chen", [2])],
      {"Transformer", "Llama"}, ["vaswani", "touvron", "wei"],
      size=1),
    P(2025, 9, "Selective Recurrence for Streaming Speech Recognition",
      ["NVIDIA", "PKU", "SJTU"],
      [("Andrew Park", [1]), ("Tao Feng", [2]), ("Jun Xu", [3]), ("Lei Huang", [2, 3])],
      {"Mamba", "Transformer"}, ["gu", "vaswani", "deepseek_r1"],   # DeepSeek: refs only
      size=1),
    P(2025, 10, "Visual Instruction Tuning for Document Understanding",
      ["MSR", "SJTU", "CUHK"],
      [("Rachel Green", [1]), ("Chen Gao", [2]), ("Ka Wai Cheung", [3]), ("Yue Sun", [2, 3])],
      {"Qwen", "GPT", "Llama"}, ["qwen25", "openai_gpt4", "touvron", "radford"],
      depts={"MSR": "", "CUHK": "Department of Computer Science and Engineering, "}, size=2),
    P(2025, 11, "Distilling Chain-of-Thought into Small Language Models",
      ["CUHK", "Berkeley"],
      [("Hoi Yan Lam", [1]), ("Nathan Cole", [2]), ("Ming Kwan Ho", [1])],
      {"Llama", "DeepSeek"}, ["wei", "deepseek_r1", "touvron"],
      size=0),
    P(2025, 12, "Interpretable Clinical Text Classification",
      ["NTU-TW", "ETH"],
      [("Yu-Ting Lin", [1]), ("Anna Keller", [2]), ("Chia-Hao Wu", [1])],
      {"BERT", "Transformer"}, ["devlin", "kingma"],
      size=0),
    P(2025, 13, "Benchmarking Agents on Long-Horizon Web Tasks",
      ["Toronto", "ETH"],
      [("Chloe Gagnon", [1]), ("Lukas Meier", [2]), ("Liam Tremblay", [1])],
      {"GPT", "Claude"}, ["openai_gpt4", "qwen25", "wei", "jiang_mixtral"],   # Qwen, Mistral: refs only
      size=1),
    P(2025, 14, "Optimal Transport for Domain Adaptation in Remote Sensing",
      ["Oxford", "Tokyo"],
      [("Oliver Hughes", [1]), ("Yui Tanaka", [2])],
      set(), ["devlin", "he", "ho"],   # BERT, Transformer and Diffusion model: refs only
      size=0),
]

CONFERENCE = {2024: "38th Conference on Neural Information Processing Systems (NeurIPS 2024).",
              2025: "39th Conference on Neural Information Processing Systems (NeurIPS 2025)."}

# The three openly licensed real papers (see ATTRIBUTION.md). Truth from the hand-made
# labels in papers/labels.tsv; mention truth was not hand-made, hence terms_known = 0.
REAL = [
    dict(file="2020/acl-2020.acl-main.447.pdf", year=2020,
         src="acl-2020.acl-main.447_s2orc_AI2-UW.pdf",
         sha256="f83d85b272d5efd7acb01016732d6577260b3b40fa894da16f2d82efc8597ff7",
         title="S2ORC: The Semantic Scholar Open Research Corpus",
         affiliations=["Allen Institute for AI", "University of Washington"],
         countries=["US"]),
    dict(file="2022/iop-jpcs-2188-012011.pdf", year=2022,
         src="iop-jpcs-2188-012011_semeagat_CN_ccby3.pdf",
         sha256="410f05ae8597cb56e0b97d5604e933ff657e8cc66d689be26932f4f8e547f0b2",
         title="SemEAGAT: A Novel Approach by Incorporating Semantic Dependency Graph in Event Detection",
         affiliations=["Hohai University"],
         countries=["CN"]),
    dict(file="2023/eacl-2023.eacl-main.121.pdf", year=2023,
         src="eacl-2023.eacl-main.121_longeval_UMass-AI2-Yale.pdf",
         sha256="9a9eb47ba637cafc6415ec18ebf08f148436c1e340ed765b670343e8170a84d3",
         title="LongEval: Guidelines for Human Evaluation of Faithfulness in Long-form Summarization",
         affiliations=["University of Massachusetts Amherst", "Allen Institute for AI", "Yale University"],
         countries=["US"]),
]

# Whole-word patterns, only used to assert that the tags above match the text we draw
# (and, with --check, what pdfminer reads back). Version suffixes may be glued on.
# Written independently of paperscope's terms.yaml; case-sensitive where the look-alikes
# in TRAPS differ only in case, and a capitalised word after Claude/Gemma is a surname.
TERM_RE = {
    "BERT": re.compile(r"\bBERT\b"),
    "Claude": re.compile(r"\bClaude\b(?!\s+[A-Z][a-z])"),
    "DeepSeek": re.compile(r"\bdeepseek\b", re.I),
    "Diffusion model": re.compile(r"\b(?:diffusion\s+models?|denoising\s+diffusion|latent\s+diffusion)\b", re.I),
    "GPT": re.compile(r"\bGPT\b"),
    "Gemma": re.compile(r"\bGemma\b(?!\s+[A-Z][a-z])"),
    "Llama": re.compile(r"\b(?:Llama|LLaMA)(?:\d+(?:\.\d+)*)?\b"),
    "Mamba": re.compile(r"\bMamba\d*\b"),
    "Mistral": re.compile(r"\b(?:Mistral|Mixtral)\b"),
    "Qwen": re.compile(r"\b(?:qwen(?:\d+(?:\.\d+)*)?|qwq)\b", re.I),
    "Transformer": re.compile(r"\btransformers?\b", re.I),
    "ViT": re.compile(r"\bViT\b"),
}


def found_terms(text: str) -> set:
    return {t for t, rx in TERM_RE.items() if rx.search(text)}


def term_counts(text: str) -> dict:
    """Mentions per term in a drawn text (each tagged sentence mentions its terms once)."""
    return {t: n for t, rx in TERM_RE.items() if (n := len(rx.findall(text)))}


# --------------------------------------------------------------------------------------
# Deterministic choices
# --------------------------------------------------------------------------------------
def pick(key: str, n: int) -> int:
    """A stable pseudo-random index in range(n) for a key (no RNG state, no seed)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") % n


def filler(key: str, k: int, avoid=()) -> list:
    out, i = [], 0
    while len(out) < k:
        s = FILLER[pick(f"{key}:{i}", len(FILLER))]
        i += 1
        if s not in out and s not in avoid:
            out.append(s)
    return out


class FillerStream:
    """Term-free sentences for one paper: a fixed per-paper permutation of FILLER,
    used in order (and only then repeated), so paragraphs rarely repeat a sentence."""

    def __init__(self, key: str, avoid=()):
        order = sorted(range(len(FILLER)), key=lambda i: hashlib.sha256(f"{key}:{i}".encode()).digest())
        self.seq = [FILLER[i] for i in order if FILLER[i] not in avoid]
        self.i = 0

    def take(self, k: int) -> list:
        out = [self.seq[(self.i + j) % len(self.seq)] for j in range(k)]
        self.i += k
        return out


# --------------------------------------------------------------------------------------
# Text content of one paper (title, abstract, sections, references): plain strings.
# --------------------------------------------------------------------------------------
SECTIONS = ["Introduction", "Related Work", "Method", "Experiments", "Conclusion"]


def term_sentences(p: Paper) -> dict:
    """Sentences mentioning the paper's body terms, spread over sections."""
    per_section = {s: [] for s in SECTIONS}
    targets = ["Introduction", "Method", "Experiments", "Related Work"]
    for ti, term in enumerate(sorted(p.body_terms)):
        cands = [s for tags, s, _ in SNIPPETS if term in tags and tags <= p.body_terms]
        start = (p.num + ti) % len(cands)
        chosen = [cands[start], cands[(start + 1) % len(cands)]]
        for j, s in enumerate(dict.fromkeys(chosen)):
            per_section[targets[(ti + j) % len(targets)]].append(s)
    return per_section


def abstract_snippet(p: Paper) -> str | None:
    """The one tagged sentence of the abstract (None for a paper without body terms)."""
    if not p.body_terms:
        return None
    term = sorted(p.body_terms)[p.num % len(p.body_terms)]
    return [s for tags, s, _ in SNIPPETS if term in tags and tags <= p.body_terms][0]


def abstract_text(p: Paper) -> str:
    key = f"{p.file}:abs"
    sents = [FILLER[ABSTRACT_OPENERS[p.num % len(ABSTRACT_OPENERS)]]]
    sents += filler(key, 2, avoid=sents)
    if p.body_terms:
        sents.append(abstract_snippet(p))
    sents.append(FILLER[ABSTRACT_CLOSERS[p.num % len(ABSTRACT_CLOSERS)]])
    return " ".join(sents)


def body_snippets(p: Paper) -> list:
    """The tagged sentences drawn before the References: the abstract's and the sections'."""
    out = [abstract_snippet(p)] if p.body_terms else []
    return out + [s for sents in term_sentences(p).values() for s in sents]


def used_terms(p: Paper) -> set:
    """The terms a paper uses: those of a drawn sentence that says USED."""
    said = {s: (tags, use) for tags, s, use in SNIPPETS}
    return {t for s in body_snippets(p) for t in said[s][0] if said[s][1] == USED}


def body_sections(p: Paper) -> list:
    """[(heading, [paragraph, ...]), ...] before the References."""
    paras_per = {0: [1, 1, 2, 2, 1], 1: [2, 1, 3, 3, 1], 2: [3, 2, 5, 5, 2],
                 3: [4, 3, 6, 7, 2]}[p.size]
    sents_per = {0: 5, 1: 6, 2: 7, 3: 8}[p.size]
    terms = term_sentences(p)
    stream = FillerStream(p.file, avoid=abstract_text(p))
    out = []
    for si, (name, npara) in enumerate(zip(SECTIONS, paras_per)):
        paras = []
        for pi in range(npara):
            sents = stream.take(sents_per)
            if pi == 0:
                # put this section's term sentences in its first paragraph, mid-way
                for k, s in enumerate(terms[name]):
                    sents.insert(1 + 2 * k, s)
            if p.traps and name == SECTIONS[-1] and pi == npara - 1:
                sents.extend(TRAPS)
            paras.append(" ".join(sents))
        out.append((f"{si + 1} {name}", paras))
    return out


def author_emails(p: Paper) -> list:
    """E-mail strings, authors grouped by the domain of their first affiliation."""
    groups: dict = {}
    for name, marks in p.authors:
        if not marks:
            continue
        dom = AFFILIATIONS[p.affs[marks[0] - 1]][2]
        groups.setdefault(dom, []).append("".join(name.split()[:-1]).lower().replace("-", ""))
    out = []
    for dom, users in groups.items():
        out.append(f"{users[0]}@{dom}" if len(users) == 1 else "{" + ",".join(users) + "}@" + dom)
    return out


# --------------------------------------------------------------------------------------
# Drawing
# --------------------------------------------------------------------------------------
PAGE_W, PAGE_H = letter
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 72.0, 72.0, 72.0
TEXT_W = PAGE_W - 2 * MARGIN_X
GUTTER = 20.0
COL_W = (TEXT_W - GUTTER) / 2

TITLE_FONT, TITLE_SIZE = "Times-Bold", 17
AUTHOR_FONT, AUTHOR_SIZE = "Times-Bold", 10
SUP_SIZE, SUP_RISE = 6.5, 3.5
AFF_FONT, AFF_SIZE = "Times-Roman", 9
EMAIL_FONT, EMAIL_SIZE = "Courier", 8.5
BODY_FONT, BODY_SIZE, BODY_LEAD = "Times-Roman", 10, 12
HEAD_FONT, HEAD_SIZE = "Times-Bold", 11
REF_FONT, REF_SIZE, REF_LEAD = "Times-Roman", 9, 10.5


def wrap(text: str, font: str, size: float, width: float) -> list:
    """Greedy wrap on spaces only: words are never split or hyphenated."""
    lines, cur = [], ""
    for word in text.split():
        trial = word if not cur else cur + " " + word
        if stringWidth(trial, font, size) <= width or not cur:
            cur = trial
        else:
            lines.append(cur)
            cur = word
    if cur:
        lines.append(cur)
    return lines


class Columns:
    """Two-column flow from a start height on page 1 to the end of the paper.

    Lines are recorded first and placed afterwards, so that the columns of the last
    page can be balanced (as LaTeX does). Without balancing, a last page with a full
    left column and a short right column (e.g. only the References at its top) is
    read by pdfminer right column first, which would put body text after the
    References heading in the extracted text."""

    def __init__(self, top: float):
        self.first_top = top
        self.ops = []        # ("skip", dy) | ("need", h) | ("line", lead, font, size, text)

    def heading(self, text: str):
        self.ops += [("skip", 6), ("need", HEAD_SIZE + 3 * BODY_LEAD),  # keep with next lines
                     ("line", HEAD_SIZE, HEAD_FONT, HEAD_SIZE, text), ("skip", 6)]

    def paragraph(self, text: str, font=BODY_FONT, size=BODY_SIZE, lead=BODY_LEAD,
                  gap: float = 5.0):
        for line in wrap(text, font, size, COL_W):
            self.ops.append(("line", lead, font, size, line))
        self.ops.append(("skip", gap))

    def _place(self, last_bottom=None, last_page=None):
        """[(page, col, y, font, size, text)] with the given bottom on last_page."""
        out, page, col, top = [], 0, 0, self.first_top
        y = top

        def bottom():
            return last_bottom if page == last_page else MARGIN_BOTTOM

        def advance():
            nonlocal page, col, top, y
            if col == 0:
                col, y = 1, top
            else:
                page, col, top = page + 1, 0, PAGE_H - MARGIN_TOP
                y = top

        for op in self.ops:
            if op[0] == "skip":
                y -= op[1]
            elif op[0] == "need":
                if y - op[1] < bottom():
                    advance()
            else:
                _, lead, font, size, text = op
                if y - lead < bottom():
                    advance()
                y -= lead
                out.append((page, col, y, font, size, text))
        return out

    def draw(self, c: canvas.Canvas) -> int:
        placed = self._place()
        last = placed[-1][0]
        # balance the last page: raise its bottom as far as the text still fits on it
        lo, hi = MARGIN_BOTTOM, PAGE_H - MARGIN_TOP
        while hi - lo > 1:
            mid = (lo + hi) / 2
            if self._place(mid, last)[-1][0] == last:
                lo = mid
            else:
                hi = mid
        placed = self._place(lo, last)
        page = 0
        for pg, col, y, font, size, text in placed:
            while page < pg:
                c.showPage()
                page += 1
            c.setFont(font, size)
            c.drawString(MARGIN_X + col * (COL_W + GUTTER), y, text)
        return page + 1


def draw_centered_runs(c, runs, y):
    """runs: [(text, font, size, rise)]; drawn one after another, centered as a whole."""
    total = sum(stringWidth(t, f, s) for t, f, s, _ in runs)
    x = (PAGE_W - total) / 2
    for t, f, s, rise in runs:
        if t.strip():           # blank runs only move the pen (pdfminer sees one space)
            c.setFont(f, s)
            c.drawString(x, y + rise, t)
        x += stringWidth(t, f, s)


def draw_paper(p: Paper, path: Path) -> int:
    c = canvas.Canvas(str(path), pagesize=letter, invariant=1, pageCompression=1)
    c.setTitle(p.title)
    c.setCreator("paperscope sample/make_sample.py")
    y = PAGE_H - 60

    # title between two rules
    c.setLineWidth(2.5)
    c.line(MARGIN_X, y, PAGE_W - MARGIN_X, y)
    y -= 10
    for line in wrap(p.title, TITLE_FONT, TITLE_SIZE, TEXT_W - 20):
        y -= TITLE_SIZE + 3
        c.setFont(TITLE_FONT, TITLE_SIZE)
        c.drawCentredString(PAGE_W / 2, y, line)
    y -= 12
    c.setLineWidth(0.8)
    c.line(MARGIN_X, y, PAGE_W - MARGIN_X, y)
    y -= 22

    # authors: name in bold, markers as smaller raised text, authors separated by a gap
    author_runs = []
    for name, marks in p.authors:
        runs = [(name, AUTHOR_FONT, AUTHOR_SIZE, 0.0)]
        if marks:
            runs.append((",".join(str(m) for m in marks), AUTHOR_FONT, SUP_SIZE, SUP_RISE))
        author_runs.append(runs)
    lines, cur, width = [], [], 0.0
    gap = ("    ", AUTHOR_FONT, AUTHOR_SIZE, 0.0)
    for runs in author_runs:
        w = sum(stringWidth(t, f, s) for t, f, s, _ in runs)
        gw = stringWidth(gap[0], AUTHOR_FONT, AUTHOR_SIZE)
        if cur and width + gw + w > TEXT_W - 40:
            lines.append(cur)
            cur, width = [], 0.0
        if cur:
            cur.append(gap)
            width += gw
        cur.extend(runs)
        width += w
    if cur:
        lines.append(cur)
    for runs in lines:
        draw_centered_runs(c, runs, y)
        y -= 14

    # affiliation lines: raised marker digit, then the affiliation string
    y -= 1
    if p.anonymous:
        for t in ("Affiliation", "Address", "email"):
            draw_centered_runs(c, [(t, AFF_FONT, AFF_SIZE + 1, 0.0)], y)
            y -= 12
    else:
        for i, aff in enumerate(p.aff_lines(), start=1):
            draw_centered_runs(c, [(str(i), AFF_FONT, SUP_SIZE, SUP_RISE - 1),
                                   (" ", AFF_FONT, AFF_SIZE, 0.0),
                                   (aff, AFF_FONT, AFF_SIZE, 0.0)], y)
            y -= 11
        y -= 2
        for line in wrap("  ".join(author_emails(p)), EMAIL_FONT, EMAIL_SIZE, TEXT_W - 40):
            runs = []
            for k, addr in enumerate(line.split()):
                if k:
                    runs.append(("  ", EMAIL_FONT, EMAIL_SIZE - 2, 0.0))   # ~8pt: one space
                runs.append((addr, EMAIL_FONT, EMAIL_SIZE, 0.0))
            draw_centered_runs(c, runs, y)
            y -= 11

    # abstract, single indented column
    y -= 14
    c.setFont("Times-Bold", 12)
    c.drawCentredString(PAGE_W / 2, y, "Abstract")
    y -= 6
    c.setFont(BODY_FONT, BODY_SIZE)
    for line in wrap(abstract_text(p), BODY_FONT, BODY_SIZE, TEXT_W - 72):
        y -= BODY_LEAD
        c.drawString(MARGIN_X + 36, y, line)
    y -= 14

    # page-1 footer, as in the NeurIPS style
    c.setFont("Times-Roman", 8)
    c.drawString(MARGIN_X, MARGIN_BOTTOM - 28, CONFERENCE[p.year])

    # two-column body, then references
    cols = Columns(y)
    for heading, paras in body_sections(p):
        cols.heading(heading)
        for para in paras:
            cols.paragraph(para)
    cols.heading("References")
    for i, key in enumerate(p.refs, start=1):
        cols.paragraph(f"[{i}] {REFS[key][1]}", REF_FONT, REF_SIZE, REF_LEAD, gap=3)
    pages = cols.draw(c)
    c.showPage()
    c.save()
    return pages


# --------------------------------------------------------------------------------------
# Truth
# --------------------------------------------------------------------------------------
COLUMNS = ["file", "year", "title", "affiliations", "countries", "has_us", "has_cn",
           "terms_body", "terms_full", "counts_body", "counts_full", "terms_used", "terms_known"]


def drawn_body_text(p: Paper) -> str:
    parts = [p.title, abstract_text(p)]
    for heading, paras in body_sections(p):
        parts.append(heading)
        parts.extend(paras)
    return "\n".join(parts)


def drawn_refs_text(p: Paper) -> str:
    return "\n".join(REFS[k][1] for k in p.refs)


def validate():
    """Cheap assertions that the table is what the README promises."""
    for tags, s, use in SNIPPETS:
        assert found_terms(s) == tags, (s, tags, found_terms(s))
        assert use in (USED, CITED), s
    for s in FILLER:
        assert not found_terms(s), s
    for key, (tags, s) in REFS.items():
        assert found_terms(s) == tags, (key, tags, found_terms(s))
    for tags, s, _ in SNIPPETS + [(set(), t, None) for t in TRAPS]:
        assert term_counts(s) == {t: 1 for t in tags}, (s, term_counts(s))
    seen = set()
    for p in PAPERS:
        assert p.file not in seen
        seen.add(p.file)
        assert "References" not in drawn_body_text(p), p.file
        # the tags that become the truth must equal what is actually drawn
        assert found_terms(drawn_body_text(p)) == p.body_terms, (p.file, found_terms(drawn_body_text(p)))
        assert found_terms(drawn_body_text(p) + "\n" + drawn_refs_text(p)) == p.full_terms(), p.file
        # the sentences the use truth is read from are those drawn, and name every body term
        assert all(s in " ".join(drawn_body_text(p).split()) for s in body_snippets(p)), p.file
        assert {t for s in body_snippets(p) for t in found_terms(s)} == p.body_terms, p.file
        for _, marks in p.authors:
            assert all(1 <= m <= len(p.affs) for m in marks), p.file
        used = {m for _, marks in p.authors for m in marks}
        assert used == set(range(1, len(p.affs) + 1)), (p.file, "unused affiliation")
        for line in p.aff_lines():
            assert stringWidth("0 " + line, AFF_FONT, AFF_SIZE) < TEXT_W, line
    assert sum(p.year == 2024 for p in PAPERS) == 12
    assert sum(p.year == 2025 for p in PAPERS) == 14


def truth_rows() -> list:
    rows = []
    for p in PAPERS:
        cc = p.countries()
        rows.append(dict(
            file=p.file, year=p.year, title=p.title,
            affiliations=" | ".join(p.aff_lines()),
            countries=",".join(cc),
            has_us=int("US" in cc), has_cn=int("CN" in cc),
            terms_body=";".join(sorted(p.body_terms)),
            terms_full=";".join(sorted(p.full_terms())),
            counts_body=_counts(drawn_body_text(p)),
            counts_full=_counts(drawn_body_text(p) + "\n" + drawn_refs_text(p)),
            terms_used=";".join(sorted(used_terms(p))),
            terms_known=1))
    for r in REAL:
        cc = sorted(r["countries"])
        rows.append(dict(
            file=r["file"], year=r["year"], title=r["title"],
            affiliations=" | ".join(r["affiliations"]),
            countries=",".join(cc),
            has_us=int("US" in cc), has_cn=int("CN" in cc),
            terms_body="", terms_full="", counts_body="", counts_full="", terms_used="", terms_known=0))
    rows.sort(key=lambda d: (d["year"], d["file"]))
    return rows


def author_countries(p: Paper) -> list:
    """Each author's countries, in author order (from the markers the PDF draws)."""
    return [sorted({AFFILIATIONS[p.affs[m - 1]][1] for m in marks}) for _, marks in p.authors]


def author_truth_rows() -> list:
    return [dict(file=p.file, year=p.year, position=i, n_authors=len(p.authors), name=name, countries=",".join(cc))
            for p in PAPERS for i, ((name, _), cc) in enumerate(zip(p.authors, author_countries(p)), 1)]


def rule_hits(per_author: list, china: set) -> dict:
    """The rules for one paper: 1/0 for the whole-counting rules, the US+China weight for fractional."""
    us = [("US" in c) for c in per_author]
    cn = [bool(china & set(c)) for c in per_author]
    known = [c for c in per_author if c]
    n = len(per_author)
    ends = set(per_author[0]) | set(per_author[-1]) if n else set()
    fc_us = sum(c.count("US") / len(c) for c in known) / len(known) if known else 0.0
    fc_cn = sum(sum(x in china for x in c) / len(c) for c in known) / len(known) if known else 0.0
    return {
        "any_author": any(us) and any(cn),
        "distinct_authors": any(us[i] and cn[j] for i in range(n) for j in range(n) if i != j),
        "first_last": n >= 2 and ((us[0] and cn[-1]) or (cn[0] and us[-1])),
        "first_or_last": "US" in ends and bool(china & ends),
        "min_share": bool(known) and sum(us) / len(known) >= MIN_SHARE and sum(cn) / len(known) >= MIN_SHARE,
        "min_authors": sum(us) >= MIN_AUTHORS and sum(cn) >= MIN_AUTHORS,
        "fractional": fc_us + fc_cn if fc_us and fc_cn else 0.0,
    }


def rules_truth_rows() -> list:
    """Per (year, rule, China policy): papers and with_both. The real papers name one
    country each, so under every rule they add a paper and no US-China one."""
    papers = [(p.year, author_countries(p)) for p in PAPERS] + [(r["year"], [r["countries"]]) for r in REAL]
    rows = []
    for year in sorted({y for y, _ in papers}):
        mine = [a for y, a in papers if y == year]
        for policy, china in CHINA.items():
            hits = [rule_hits(a, china) for a in mine]
            for rule in hits[0]:
                rows.append(dict(year=year, rule=rule, china_policy=policy, papers=len(mine),
                                 with_both=round(sum(float(h[rule]) for h in hits), 6)))
    return rows


def write_rules_truth():
    for path, rows in ((AUTHORS_TRUTH, author_truth_rows()), (RULES_TRUTH, rules_truth_rows())):
        with open(path, "w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(rows)


def _counts(text: str) -> str:
    """"GPT:2;Llama:3": matches of TERM_RE in the drawn text. Each body sentence mentions
    each of its tagged terms once (validate() asserts it); a bibliography entry may name
    one twice ("DeepSeek-AI. DeepSeek-V3 ...")."""
    return ";".join(f"{t}:{n}" for t, n in sorted(term_counts(text).items()))


def write_truth(rows: list):
    with open(TRUTH, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


# --------------------------------------------------------------------------------------
# Optional read-back check (pdfminer); never used to make the truth
# --------------------------------------------------------------------------------------
def check() -> int:
    from pdfminer.high_level import extract_text

    bad = 0
    for p in PAPERS:
        path = CORPUS / p.file
        text = extract_text(str(path))
        page1 = extract_text(str(path), page_numbers=[0])
        lines = [ln.strip() for ln in text.splitlines()]
        try:
            cut = len(lines) - 1 - lines[::-1].index("References")
        except ValueError:
            print(f"FAIL {p.file}: no References line")
            bad += 1
            continue
        body, full = "\n".join(lines[:cut]), "\n".join(lines)
        problems = []
        # reading order: every section heading before References, every entry after
        heads = [h for h, _ in body_sections(p)]
        hpos = [lines.index(h) if h in lines else -1 for h in heads]
        if -1 in hpos or hpos != sorted(hpos) or hpos[-1] > cut:
            problems.append(f"section headings out of order: {list(zip(heads, hpos))}, References at {cut}")
        rpos = [next((i for i, ln in enumerate(lines) if ln.startswith(f"[{k}] ")), -1)
                for k in range(1, len(p.refs) + 1)]
        if min(rpos) < cut or rpos != sorted(rpos):
            problems.append(f"reference entries out of order: {rpos}, References at {cut}")
        if found_terms(body) != p.body_terms:
            problems.append(f"body terms {sorted(found_terms(body))} != {sorted(p.body_terms)}")
        if found_terms(full) != p.full_terms():
            problems.append(f"full terms {sorted(found_terms(full))} != {sorted(p.full_terms())}")
        for scope, got, drawn in (("body", body, drawn_body_text(p)),
                                  ("full", full, drawn_body_text(p) + "\n" + drawn_refs_text(p))):
            if term_counts(got) != term_counts(drawn):
                problems.append(f"{scope} counts {term_counts(got)} != {term_counts(drawn)}")
        p1 = [ln.strip() for ln in page1.splitlines() if ln.strip()]
        want = [p.title] if len(wrap(p.title, TITLE_FONT, TITLE_SIZE, TEXT_W - 20)) == 1 else []
        want += [f"{i} {a}" for i, a in enumerate(p.aff_lines(), start=1)]
        want += ["Abstract"]
        pos = []
        for w_ in want:
            if w_ not in p1:
                problems.append(f"page 1 lacks line {w_!r}")
            else:
                pos.append(p1.index(w_))
        if pos != sorted(pos):
            problems.append("page-1 lines out of order")
        if p.anonymous and "Anonymous Author(s)" not in p1:
            problems.append("no anonymous author line")
        for e in author_emails(p):
            if e not in page1:
                problems.append(f"e-mail {e!r} not extracted")
        status = "ok  " if not problems else "FAIL"
        print(f"{status} {p.file}: " + ("; ".join(problems) if problems else "layout and terms as in the truth"))
        bad += bool(problems)
    return bad


# --------------------------------------------------------------------------------------
# Expected counts, computed from ground_truth.csv (the tables in README.md)
# --------------------------------------------------------------------------------------
def tables(path: Path = TRUTH) -> str:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    years = sorted({int(r["year"]) for r in rows})
    out = ["| year | papers | has_us | has_cn | both (US and CN) | neither or unknown |",
           "| ---: | ---: | ---: | ---: | ---: | ---: |"]
    tot = [0] * 5
    for y in years:
        rs = [r for r in rows if int(r["year"]) == y]
        us = [r["has_us"] == "1" for r in rs]
        cn = [r["has_cn"] == "1" for r in rs]
        v = [len(rs), sum(us), sum(cn), sum(a and b for a, b in zip(us, cn)),
             sum(not a and not b for a, b in zip(us, cn))]
        tot = [a + b for a, b in zip(tot, v)]
        out.append(f"| {y} | " + " | ".join(map(str, v)) + " |")
    out.append("| all | " + " | ".join(map(str, tot)) + " |")

    def count(rs, col):
        return [sum(t in r[col].split(";") for r in rs) for t in TERMS]

    out += ["", "Papers mentioning each term (generated papers only, terms_known = 1):", "",
            "| year | scope | papers | " + " | ".join(TERMS) + " |",
            "| ---: | --- | ---: | " + " | ".join("---:" for _ in TERMS) + " |"]
    for y in years:
        rs = [r for r in rows if int(r["year"]) == y and r["terms_known"] == "1"]
        for scope in ("body", "full"):
            if rs:
                out.append(f"| {y} | {scope} | {len(rs)} | " + " | ".join(map(str, count(rs, "terms_" + scope))) + " |")
    groups = [("US+CN", "1", "1"), ("US, no CN", "1", "0"), ("CN, no US", "0", "1"), ("neither", "0", "0")]
    out += ["", "Body-scope mentions by author-country group (generated papers only):", "",
            "| year | group | papers | " + " | ".join(TERMS) + " |",
            "| ---: | --- | ---: | " + " | ".join("---:" for _ in TERMS) + " |"]
    for y in years:
        known = [r for r in rows if int(r["year"]) == y and r["terms_known"] == "1"]
        for name, us, cn in groups if known else []:
            rs = [r for r in known if r["has_us"] == us and r["has_cn"] == cn]
            out.append(f"| {y} | {name} | {len(rs)} | " + " | ".join(map(str, count(rs, "terms_body"))) + " |")
    return "\n".join(out)


# --------------------------------------------------------------------------------------
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="read the PDFs back with pdfminer and compare")
    ap.add_argument("--real-src", metavar="DIR", help="copy the 3 real PDFs from this folder")
    ap.add_argument("--table", action="store_true",
                    help="only print the expected-count tables computed from ground_truth.csv")
    ap.add_argument("--rules", action="store_true",
                    help="only write authors_truth.csv and rules_truth.csv (the PDFs are left as they are)")
    args = ap.parse_args(argv)
    if args.table:
        print(tables())
        return 0
    if args.rules:
        write_rules_truth()
        return 0

    validate()
    for year in sorted({p.year for p in PAPERS}):
        d = CORPUS / str(year)
        d.mkdir(parents=True, exist_ok=True)
        for old in d.glob(f"neurips{year}_*.pdf"):
            old.unlink()
    for p in PAPERS:
        pages = draw_paper(p, CORPUS / p.file)
        assert 2 <= pages <= 4, (p.file, pages)
        print(f"wrote {p.file} ({pages} pages)")

    for r in REAL:
        dst = CORPUS / r["file"]
        if args.real_src:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(args.real_src) / r["src"], dst)
        if not dst.is_file():
            print(f"warning: real paper {r['file']} missing (use --real-src)", file=sys.stderr)
        elif hashlib.sha256(dst.read_bytes()).hexdigest() != r["sha256"]:
            print(f"warning: {r['file']} differs from the published file", file=sys.stderr)

    write_truth(truth_rows())
    write_rules_truth()
    print(f"wrote {TRUTH.relative_to(HERE.parent)} ({len(PAPERS) + len(REAL)} rows)")
    if args.check:
        return 1 if check() else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
