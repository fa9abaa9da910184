"""What each claim variant tests, and how faithfully: issue 12's fidelity tags, beside the report's own words.

One entry per variant, keyed "claim_id[variant_id]" (the pytest ids of `pytest claims --collect-only`).

- tag: "faithful" = the report's own setting (settings the report does not state are chosen by the suite and
  listed as "unstated: ..." — they are assumptions, not deviations); "scaled" = the report's setting shrunk for
  the CPU, every deviation listed; "extension" = a condition the cited report did not test (a task, model,
  training regime or initialisation it did not use) — it cannot refute the report, only say "does not hold
  under <condition>". A variant has one tag, judged on the default (cpu) profile: where the full profile
  restores the report's setting the condition says so.
- quotes: the report's sentence(s) copied verbatim from ../shared/seeds (typos and all; a sentence broken by a
  figure caption is quoted up to the break). Papers are quoted from CLAIMS.md's summary of them (section
  "CLAIMS.md"), since the suite ships no paper text.
- deviations_cpu / deviations_full: each way the profile's setting differs from the report's, with numbers.
- misattributed: a cited source that does not say what the variant checks, or says it of another regime.

Plain data: no pytest, no torch. tests/test_fidelity.py checks every quote against the report files.
Settings read from the variant tables of claims/test_hw1_*.py as of branch issue12-quotes.
"""
from __future__ import annotations

from dataclasses import dataclass

FAITHFUL, SCALED, EXTENSION = "faithful", "scaled", "extension"
TAGS = (FAITHFUL, SCALED, EXTENSION)
REPORTS = ("000", "001", "002", "003", "004")


@dataclass(frozen=True)
class Quote:
    report: str      # "000".."004", or a paper ("Keskar et al. 2017")
    section: str     # the report's own section label, e.g. "§1-2", "HW1-3 part 2", "" if none
    text: str        # verbatim from the report file (papers: verbatim from CLAIMS.md's summary)


@dataclass(frozen=True)
class Fidelity:
    tag: str                         # "faithful" | "scaled" | "extension"
    quotes: tuple[Quote, ...]        # what the variant tests, verbatim
    deviations_cpu: tuple[str, ...]  # how the cpu profile's setting differs from the report's
    deviations_full: tuple[str, ...] # same for the full profile
    condition: str = ""              # extensions: the condition no report tested
    misattributed: str = ""          # a cited source that does not say this


# --- the reports' sentences ---------------------------------------------------------------------------
# 000 (English; sections "## 1." … "### 4.")
Q000_FITS = Quote("000", "§1", "It can let the model fit the training data (Overfitting) easily.")
Q000_PARAMS = Quote("000", "§2", "I found that even when the number of parameters is enough for training dataset, the "
                                 "generalization ability can be better when the parameters getting more.")
Q000_PEAK = Quote("000", "§3", "The interpolation of two weights show the peak through loss surface. The performance is "
                               "not good when alpha is 0.5")
Q000_SENS = Quote("000", "§4", "The sensitivity getting larger when the training/testing accuracy getting smaller.")
# 001 (English; "Problem 1-1" … "Problem 3-3")
Q001_DEEPER = Quote("001", "§1-1", "From the loss curves, we can see that the more complex the neuron network is, the "
                                   "better the results are.")
Q001_SLOWLY = Quote("001", "§1-1", "Model three is the simplest one with only one hidden layer, the training loss "
                                   "decreases slowly, while model1 and model2 perform better with more hidden layers.")
Q001_SETUP = Quote("001", "§1-1", "In this training, three models are used with 7 (model1), 4(model2), 2(model3), "
                                  "hidden layers in each model. The activation function is tanh, and the optimizer is SDG")
Q001_PCA = Quote("001", "§2-1", "From Fig.3 we can see that using PCA can successively reduce the dimension and get the "
                                "important to features that describe the important weights.")
Q001_NEAR_MIN = Quote("001", "§2-2", "If the gradient is almost zero, that means in the training process the loss "
                                     "function is very close to its local or global minimum.")
Q001_CANNOT = Quote("001", "§3-1", "This infers that this CNN model cannot fit with random label.")
Q001_OVERFIT = Quote("001", "§3-1", "though the training loss is decreasing as the learning process goes, the testing "
                                    "loss climes up. Which means the model is over-fitting the training set")
Q001_PARAMS = Quote("001", "§3-2", "when the model parameters are increasing, the training and testing loss have a "
                                   "decreasing trend, while the accuracy data has an increasing trend.")
# 002 (Chinese; sections by heading)
Q002_FITS = Quote("002", "Can network fit random labels?", "從實驗中可以發現 model 是可以將擁有錯誤 label 的訓練資料完整學習下來。")
Q002_FITS_NUMBERS = Quote("002", "Can network fit random labels?", "訓練 loss 接近 0， accuracy 接近 1。但在驗證資料上面表現的就相當差。")
Q002_PARAMS = Quote("002", "Number of parameters v.s. Generalization",
                    "由下圖可以得知隨著參數的數量越來越多，模型的 loss 和 accuracy 不論在 training 還是 validation 都越來越好。")
Q002_FLATTEN = Quote("002", "Number of parameters v.s. Generalization",
                     "當模型參數數量大於 5 萬時，loss 下降速度開始變小，而 accuracy 上升速度也變小。")
Q002_NO_OVERFIT = Quote("002", "Number of parameters v.s. Generalization",
                        "而更特別的現象則是也沒有因為模型的數量越來越多，導致 overfitting 的現象出現。")
Q002_MINIMA = Quote("002", "Flatness v.s. Generalization - part1", "由下圖可以得知兩個不同的模型會有不同的局部解")
Q002_SMALL_LOSS = Quote("002", "Flatness v.s. Generalization - part1", "在 training 的部分可以發現小的 batch size 會有小的 loss。")
Q002_VAL_LOSS = Quote("002", "Flatness v.s. Generalization - part1", "validation 的 loss 相對於 training 來的大")
Q002_SENS = Quote("002", "Flatness v.s. Generalization - part2", "隨著 batch size 越來越大，sensitivity 越來越小，趨近於 0。")
Q002_ACC = Quote("002", "Flatness v.s. Generalization - part2",
                 "由下圖也可以發現 loss 的低點和 accuracy 的高點都出現在 batch size 以較小的地方。")
# 003 (English; numbered sections)
Q003_FASTER = Quote("003", "§1.1.1", "The statement that Models 1 and 2, which have more layers, converge faster than "
                                     "Model 3 with a single layer is generally accurate.")
Q003_EPOCHS = Quote("003", "§1.1.1", "- Model 1: Epoch = 961\n- Model 2: Epoch = 857\n- Model 3: Epoch = 2186")
Q003_SIMILAR = Quote("003", "§1.1.1", "As shown in the graph, all the models exhibit similar performance compared to "
                                      "the ground truth. However, the addition of more layers allows the model to reach "
                                      "convergence more quickly.")
Q003_SGN_EPOCHS = Quote("003", "§1.1.2", "The models converged at the following epochs: Model 1 at epoch 8146, Model 2 "
                                         "and Model 3 at epoch 25000.")
Q003_SGN = Quote("003", "§1.1.2", "Although their prediction accuracy is comparable, the model with the largest number of "
                                  "layers was capable")
Q003_CNN = Quote("003", "§1.2", "The graphs suggest that Model 3 outperforms the other two models, despite having only "
                                "one dense layer.")
Q003_CNN_TEST = Quote("003", "§1.2", "Model 3 also achieves the highest accuracy in the test dataset, with a test accuracy "
                                     "of 98.8%, while Model 1 has a test accuracy of 98.66% and Model 2 has a test accuracy "
                                     "of 97.9%.")
Q003_PCA = Quote("003", "§2.1", "This visualization of the weight values after PCA reduction helps to understand the "
                                "training process and any patterns or trends that may be present in the weights.")
Q003_GRAD = Quote("003", "§2.2", "Starting with the gradient values, it is observed that there was a drastic decrease "
                                 "until around the 200th epoch.")
Q003_GRAD_FINAL = Quote("003", "§2.2", "the final gradient value at the end of the training was 0.005702.")
Q003_RATIO = Quote("003", "§2.3", "Post-training the above model for 100 epochs, the loss did not reach zero. Fig 13 "
                                  "illustrates the graph for the loss vs minimal ratio:")
Q003_RANDOM = Quote("003", "§3.1", "As a result, the performance on the test data is poor since the model has not learned "
                                   "the correct associations during training.")
Q003_PARAMS = Quote("003", "§3.2", "the test loss and accuracy tend to reach a plateau much earlier than the training loss "
                                   "or accuracy.")
Q003_GAP = Quote("003", "§3.2", "As a result, the model performs well on the train data but poorly on the test data, "
                                "leading to a gap in performance between the train and test data.")
Q003_BATCH_LINE = Quote("003", "§3.3.1", "The models trained with different batch sizes show improved performance with "
                                         "lower loss and higher accuracy as alpha approaches 0.0, but a decrease in "
                                         "performance as alpha increases from 0.0 to 0.5")
Q003_BATCH_LINE_END = Quote("003", "§3.3.1", "followed by improvement and then a steep decline for alpha values "
                                             "between 1.5 to")
Q003_LR_LINE = Quote("003", "§3.3.1", "The models trained with different learning rates, however, show stable good "
                                      "performance as alpha approaches 0.0.")
Q003_ACC = Quote("003", "§3.3.2", "as the batch size increases, the performance of the model deteriorates over the same "
                                  "number of epochs.")
Q003_SENS = Quote("003", "§3.3.2", "On the contrary, as the batch size increases, the sensitivity of the model decreases.")
# 004 (Chinese; sections by the homework's headings)
Q004_DEEPER = Quote("004", "HW1-1 Simulate a Function", "可以發現在相同可訓練參數量下,層數越深,loss 的下降可以到越低。")
Q004_CNN = Quote("004", "HW1-1 Train on Actual Tasks",
                 "對於 CNN 而言,在可訓練參數差不多的情況下,層數越多(越深),對於 Loss 的下降或是 準確率的提升都能有幫助")
Q004_DNN_SLOWER = Quote("004", "HW1-1 Train on Actual Tasks",
                        "我們也嘗試過 DNN,但發現在 DNN 上面,太多層數有時候反而 會讓收斂速度比較慢,準確率也會比較差")
Q004_PATHS = Quote("004", "HW1-2 Visualize the optimization process",
                   "訓練八次,每次 5000 個 epochs,loss 下降的數量級非常接近,但是參數的更新卻大不相同")
Q004_GRAD = Quote("004", "HW1-2 Observe gradient norm during training",
                  "當 梯度范數 (Gradient Norm)接近 0 的時候,我們可以發現 Loss 其實還是不斷的下降")
Q004_RATIO = Quote("004", "HW1-2 minimal ratio", "竟然 100 次結果中沒有一次的 minimum ratio 接近 1 的")
Q004_SADDLE = Quote("004", "HW1-2 minimal ratio", "(看起來最後仍然是在鞍點)")
Q004_SURFACE = Quote("004", "HW1-2 Bonus (error surface)",
                     "把所有歐氏方向上的等距位置(Hyper-ball)的 Loss 取期望值 $(E[X]:=R^M\\to R^1$,即降到 1 維的意思)"
                     "並對歐氏距離的平方作圖得到的結果;我們認為這樣簡單的做法也能夠看出 Loss Function 的 Sharpness 程度。")
Q004_RANDOM = Quote("004", "HW1-3 Can network fit random labels?",
                    "MNIST, 1層 CNN + 1層 DNN(512 neurons), 1000 epochs, learning rate=0.001, Adam Optimizer.")
Q004_PARAMS = Quote("004", "HW1-3 Number of parameters v.s. Generalization",
                    "然而,值得注意的是,Loss 是不斷上升的")
Q004_PARAMS_TEST = Quote("004", "HW1-3 Number of parameters v.s. Generalization",
                         "我們 train 出來 testing loss 隨著參數的增加不斷地增加")
Q004_LINE = Quote("004", "HW1-3 Flatness part 1", "只有在[0] 以及[1]的位置 Accuracy 特別高(Loss 特別低)")
Q004_LINE_SETUP = Quote("004", "HW1-3 Flatness part 1", "做在 MNIST 上面,一層 CNN+四層 DNN,learning rate=0.001, Batch_Size 分別為 50 和 1000。")
Q004_LOSS_NOT_ACC = Quote("004", "HW1-3 Flatness part 1", "儘管已 Loss 的角度而言,位於 1.0 的參數設定表現比較好,但是在 Accuracy 上沒有太明顯的區別")
Q004_SENS_SETUP = Quote("004", "HW1-3 Flatness part 2", "我們 train 在 1-1 做的 function fitting 上,batch size 使用 $10 \\cdot 50 \\cdot 100 \\cdot 500$ 以及 1000")
Q004_SENS = Quote("004", "HW1-3 Flatness part 2", "Batch size 大的 model sensitivity 普遍比較低(儘管 loss 不見得比較低)")
Q004_SHARP = Quote("004", "HW1-3 Bonus (sharpness)", "在 batch size 較大的 sharpness 比較小(跟 Paper 結果相反@@)")
Q004_NOT_MNIST = Quote("004", "HW1-3 Bonus (sharpness)", "我們沒有坐在 MNIST 上面")
# papers, quoted from CLAIMS.md's summary
Q_DAUPHIN = Quote("Dauphin et al. 2014", "CLAIMS.md",
                  "Dauphin et al. 2014: high-error critical points are mostly saddles; error rises with the index")
Q_NOVAK = Quote("Novak et al. 2018", "CLAIMS.md",
                "found it correlates with the generalization gap and is *higher* for full-batch training")
Q_KESKAR = Quote("Keskar et al. 2017", "CLAIMS.md",
                 "large-batch minima are sharper under ε-sharpness (ε = 1e-3, 5e-4).")
Q_GOODFELLOW = Quote("Goodfellow et al. 2015", "CLAIMS.md",
                     "barrier between two solutions depends on whether they share their initialisation.")

# --- shared settings text ----------------------------------------------------------------------------
C1_POINTS_CPU = "200 evenly spaced training points on [-1, 1], full batch (no report states the number or the batch)"
C1_POINTS_FULL = "unstated: 1000 evenly spaced training points, full batch"
C1_STEPS_CPU = "2000 full-batch steps"
C1_SEEDS = "12 seeds per depth (the reports: one run each)"
MNIST5K = "4000 training / 1000 test images of the offline 5000-image MNIST subset"
FIXED_STEPS = "fixed optimizer steps (1000 per batch size, cpu; 10000, full) instead of the fixed epochs every report used"
SWEEP_CPU = ("one MLP 784-32-10 (25,450 parameters), Adam 1e-3, " + MNIST5K + ", batch sizes 32/64/128/256/512/1024, "
             "6 seeds at fixed epochs, 4 at fixed steps")
SWEEP_FULL = "MLP 784-500-10 (397,510 parameters; 003's DNN), Adam 1e-3, all 60,000 MNIST images, batch sizes 32…4096, 5 seeds"
SENSITIVITY_MEASURE = "sensitivity = mean over test points of ||d softmax/dx||_F (Novak et al. 2018)"
LINE_CPU = "MLP 784-32-10 (25,450 parameters), " + MNIST5K + "; 6 pairs from independent initialisations"
LINE_EPOCHS_CPU = "225 epochs each"
LINE_FULL = "MLP 784-500-10 (397,510 parameters), 55,000 images; 6 pairs"
FIT_SWEEP_CPU_TEXT = ("004's batch sizes 10/50/100/500/1000 on |sin(5πx)/(5πx)| (004: 'the function fitting of 1-1', "
                      "which fitted two functions), 004's 1-hidden-layer net (1009 parameters; 004: 1008), Adam 1e-3, "
                      "unstated: 1000 points, 200 epochs, 4 seeds")
FIT_SWEEP_FULL_TEXT = "as cpu with 1000 epochs and 5 seeds (004 states no epochs)"
PARAM_SWEEP_CPU = ("000's MLP family 784-w-w-w-10, w = 5…90 (4,045–87,940 parameters), " + MNIST5K + ", 40 epochs, "
                   "Adam lr 3e-3, batch 200, 3 seeds")
RATIO_CPU = ("1-50-1 ReLU net (151 parameters) instead of 004's one-hidden-layer 1008", "3000 MSE epochs instead of 9500, "
             "then 500 on the squared gradient norm (as 004)", "200 training points (004 states none)",
             "unstated: full-batch Adam lr 1e-3; 100 runs as 004")
RATIO_FULL = ("1-336-1 net, 1009 parameters (004: 1008)", "unstated: 1000 training points, full-batch Adam lr 1e-3")


def _fit_depth(quotes, cpu, full, tag=SCALED, condition="", misattributed="") -> Fidelity:
    return Fidelity(tag, tuple(quotes), tuple(cpu), tuple(full), condition, misattributed)


LOWER_LOSS_003 = ("003 §1.1 is cited for a lower final loss but says the depths end with 'similar performance'; its "
                  "claim is faster convergence only")
FASTER_004 = ("004 is cited for faster convergence but states only a lower final loss; of its DNNs it says too many "
              "layers sometimes converge more slowly (HW1-1 Train on Actual Tasks)")

FIDELITY: dict[str, Fidelity] = {
    # --- C1 function_fit_depth: at equal parameter count, deeper MLPs fit a 1-D function better -----------------
    "function_fit_depth[sinc-leaky_relu-571p-lower_loss]": _fit_depth(
        (Q004_DEEPER, Q001_DEEPER, Q003_SIMILAR),
        ("003's setting (sin(5πx)/(5πx), leaky ReLU, 571 parameters at 1/4/7 hidden layers, Adam 1.2e-3, wd 1e-4) "
         "cut to " + C1_STEPS_CPU + " (003's cap: 25000 epochs)", C1_POINTS_CPU, C1_SEEDS),
        ("003's setting; 1-layer net at lr 1.2e-3 (003: 1.1e-3)", C1_POINTS_FULL),
        tag=EXTENSION,
        condition="004's and 001's 'deeper reaches a lower loss' on 003's function, activation and 571-parameter family, "
                  "which neither 004 nor 001 used",
        misattributed=LOWER_LOSS_003),
    "function_fit_depth[sinc-leaky_relu-571p-faster]": _fit_depth(
        (Q003_FASTER, Q003_EPOCHS, Q003_SIMILAR),
        (C1_STEPS_CPU + " instead of 003's 25000-epoch cap: 003's 1-layer model needed 2186 epochs",
         "'converged' = MSE <= 1% of the target's variance (003: 'a near-zero loss that no longer decreases')",
         "1-layer net at lr 1.2e-3 (003: 1.1e-3)", C1_POINTS_CPU, C1_SEEDS),
        ("1-layer net at lr 1.2e-3 (003: 1.1e-3)", "'converged' = MSE <= 1% of the target's variance", C1_POINTS_FULL)),
    "function_fit_depth[sign_sin-leaky_relu-571p-lower_loss]": _fit_depth(
        (Q004_DEEPER, Q001_DEEPER, Q003_SGN),
        ("003's sgn(sin(5πx)) setting (leaky ReLU, 571 parameters, Adam 9e-3, wd 1e-4) cut to " + C1_STEPS_CPU +
         " (003: 25000-epoch cap; its 7-layer model converged at 8146)", C1_POINTS_CPU, C1_SEEDS),
        (C1_POINTS_FULL,),
        tag=EXTENSION,
        condition="004's and 001's 'deeper reaches a lower loss' on 003's leaky-ReLU 571-parameter family with Adam; "
                  "001 fitted sgn(sin(5πx)) with tanh and SGD, 004 never fitted it",
        misattributed="003 §1.1.2 is cited for a lower final loss but calls the depths' predictions 'comparable'; it says "
                      "only the deepest model converged"),
    "function_fit_depth[sign_sin-leaky_relu-571p-faster]": _fit_depth(
        (Q003_SGN_EPOCHS, Q003_SGN),
        (C1_STEPS_CPU + " = 25% of the 8146 epochs 003's 7-layer model needed; 003's cap 25000",
         "'converged' = MSE <= 1% of the target's variance", C1_POINTS_CPU, C1_SEEDS),
        ("'converged' = MSE <= 1% of the target's variance", C1_POINTS_FULL),
        misattributed="the variant also requires 4 hidden layers to beat 1, but 003 says its 4-layer model (Model 2) "
                      "did not converge within 25000 epochs either: only the 7-layer model is claimed faster"),
    "function_fit_depth[sin-tanh-571p-lower_loss]": _fit_depth(
        (Q001_DEEPER, Q001_SLOWLY, Q001_SETUP, Q004_DEEPER),
        ("Adam lr 1e-3 instead of 001's SGD (no lr given)", "depths 1/4/7 hidden layers (001: 7/4/2, and later calls "
         "model 3 'only one hidden layer')", "equal 571-parameter budget: 001 gives no parameter counts",
         C1_STEPS_CPU + " (001: epochs not given)", C1_POINTS_CPU, C1_SEEDS),
        ("Adam lr 1e-3 instead of SGD", "depths 1/4/7, 571 parameters each (001: 7/4/2, no counts)",
         "unstated: 25000 full-batch steps", C1_POINTS_FULL),
        misattributed="004 is cited too, but its sentence is about its own functions at ~1000 parameters with ReLU, "
                      "not sin(5πx) with tanh"),
    "function_fit_depth[sin-tanh-571p-faster]": _fit_depth(
        (Q001_SLOWLY, Q003_FASTER),
        ("Adam lr 1e-3 instead of 001's SGD", "depths 1/4/7 hidden layers at 571 parameters each (001: 7/4/2, no counts)",
         "'fitted' = MSE <= 1% of the target's variance", C1_STEPS_CPU, C1_POINTS_CPU, C1_SEEDS),
        ("Adam lr 1e-3 instead of SGD", "depths 1/4/7 at 571 parameters (001: 7/4/2, no counts)", C1_POINTS_FULL),
        misattributed="003's 'converge faster' is said of its leaky-ReLU nets on sin(5πx)/(5πx) and sgn, not of tanh "
                      "on sin(5πx); 001 says only that the 1-hidden-layer loss 'decreases slowly'"),
    "function_fit_depth[sign_sin-tanh-571p-lower_loss]": _fit_depth(
        (Q001_DEEPER, Q001_SLOWLY, Q001_SETUP, Q004_DEEPER),
        ("Adam lr 1e-3 instead of 001's SGD", "depths 1/4/7 hidden layers at 571 parameters each (001: 7/4/2, no counts)",
         C1_STEPS_CPU, C1_POINTS_CPU, C1_SEEDS),
        ("Adam lr 1e-3 instead of SGD", "depths 1/4/7 at 571 parameters (001: 7/4/2, no counts)", C1_POINTS_FULL),
        misattributed="004 is cited too, but 004 never fitted sgn(sin(5πx)); its sentence is about its own functions"),
    "function_fit_depth[sign_sin-tanh-571p-faster]": _fit_depth(
        (Q001_SLOWLY, Q003_SGN_EPOCHS),
        ("Adam lr 1e-3 instead of 001's SGD", "depths 1/4/7 hidden layers at 571 parameters each (001: 7/4/2, no counts)",
         "'fitted' = MSE <= 1% of the target's variance", C1_STEPS_CPU, C1_POINTS_CPU, C1_SEEDS),
        ("Adam lr 1e-3 instead of SGD", "depths 1/4/7 at 571 parameters (001: 7/4/2, no counts)", C1_POINTS_FULL),
        misattributed="003 §1.1 is cited, but on sgn 003 claims only that its deepest model converged (Model 2 and 3 did "
                      "not), with leaky ReLU and Adam, not tanh"),
    "function_fit_depth[abs_sinc-relu-1000p-lower_loss]": _fit_depth(
        (Q004_DEEPER, Q001_DEEPER),
        ("~1000 parameters at 1/3/6 hidden layers as 004 (1008/1019/1006), counts from the harness within 5%",
         "unstated by 004: ReLU, full-batch Adam lr 1e-3", C1_STEPS_CPU + " (004: epochs not given)", C1_POINTS_CPU,
         C1_SEEDS),
        ("unstated by 004: ReLU, full-batch Adam lr 1e-3, 25000 steps", C1_POINTS_FULL),
        misattributed="001 is cited too, but its sentence is about tanh nets trained with SGD on sin(5πx) and sgn"),
    "function_fit_depth[abs_sinc-relu-1000p-faster]": _fit_depth(
        (Q003_FASTER, Q004_DNN_SLOWER),
        ("004's |sin(5πx)/(5πx)| at ~1000 parameters, 1/3/6 hidden layers, ReLU, Adam 1e-3 (assumed)", C1_STEPS_CPU,
         C1_POINTS_CPU, C1_SEEDS),
        ("004's function and depths, 25000 steps", C1_POINTS_FULL),
        tag=EXTENSION,
        condition="003's 'deeper converges faster' on 004's function and ~1000-parameter ReLU family, which 003 did not use",
        misattributed=FASTER_004),
    "function_fit_depth[sin_cos-relu-1000p-lower_loss]": _fit_depth(
        (Q004_DEEPER, Q001_DEEPER),
        ("~1000 parameters at 1/3/6 hidden layers as 004 (1008/1019/1006), counts from the harness within 5%",
         "unstated by 004: ReLU, full-batch Adam lr 1e-3", C1_STEPS_CPU + " (004: epochs not given)", C1_POINTS_CPU,
         C1_SEEDS),
        ("unstated by 004: ReLU, full-batch Adam lr 1e-3, 25000 steps", C1_POINTS_FULL),
        misattributed="001 is cited too, but its sentence is about tanh nets trained with SGD on sin(5πx) and sgn"),
    "function_fit_depth[sin_cos-relu-1000p-faster]": _fit_depth(
        (Q003_FASTER, Q004_DNN_SLOWER),
        ("004's sin(3πx)+cos(6πx) at ~1000 parameters, 1/3/6 hidden layers, ReLU, Adam 1e-3 (assumed)", C1_STEPS_CPU,
         C1_POINTS_CPU, C1_SEEDS),
        ("004's function and depths, 25000 steps", C1_POINTS_FULL),
        tag=EXTENSION,
        condition="003's 'deeper converges faster' on 004's function and ~1000-parameter ReLU family, which 003 did not use",
        misattributed=FASTER_004),

    # --- C2 cnn_depth: at equal parameter count, a deeper CNN trains better --------------------------------------
    "cnn_depth[conv_depth-mnist-004]": Fidelity(
        SCALED, (Q004_CNN,),
        ("~10,000 parameters per model instead of 004's 90,936/90,956/90,783 (with 'same' padding and a pool per conv, "
         "the 4-conv net ends on a 1x1 map)", "1000 training / 500 test images of the offline subset instead of MNIST",
         "5 epochs at batch 32 = 160 Adam steps, lr 1e-3 (004: epochs, batch, optimiser not given)",
         "unstated: kernel 3", "6 seeds (004: one run each)"),
        ("unstated by 004: 20 epochs, batch 32, Adam lr 1e-3, kernel 3; budget 90,900 parameters",)),
    "cnn_depth[dense_depth-mnist-003]": Fidelity(
        SCALED, (Q003_CNN, Q003_CNN_TEST),
        ("~10,000 parameters with conv channels 8, 16 instead of 003's 25,550/25,570/25,550 (channels not given)",
         "1000 training / 500 test images of the offline subset instead of MNIST",
         "5 epochs at batch 32 = 160 steps of Adam lr 1e-3 instead of 003's lr 1e-4 (epochs, batch not given)",
         "no dropout (003: 0.25)", "dense depths 1/2/4 counting the output layer (003: 1/2/4 dense layers, counting "
         "not stated)", "6 seeds (003: one run each)"),
        ("budget 24,200 parameters with conv channels 16, 32 (003: 25,550; channels not given)", "no dropout (003: 0.25)",
         "unstated: 20 epochs at batch 32")),
    "cnn_depth[conv_depth-digits-004]": Fidelity(
        EXTENSION, (Q004_CNN,),
        ("scikit-learn's 8x8 digits (1437 train / 360 test) instead of MNIST", "1/2/3 conv layers (8x8 allows at most 3 "
         "pools) instead of 1/2/4", "5,000 parameters instead of ~90.9k", "10 epochs, batch 32, Adam 1e-3", "6 seeds"),
        ("8x8 digits, 1/2/3 conv layers, 5,000 parameters", "100 epochs, batch 32, Adam 1e-3, 12 seeds"),
        condition="8x8 digits as a second task (the homework's bonus); 004 trained only on MNIST"),

    # --- C3 trajectories: different initialisations, similar loss, different paths ------------------------------
    "trajectories[function-004]": Fidelity(
        SCALED, (Q004_PATHS,),
        ("6 hidden layers of 13 units = 950 parameters (004: ~1006)", "200 training points (004: not given)",
         "unstated: full-batch Adam lr 1e-3"),
        ("950 parameters (004: ~1006)", "unstated: 1000 training points, full-batch Adam lr 1e-3")),
    "trajectories[mnist-001-003]": Fidelity(
        EXTENSION, (Q004_PATHS, Q001_PCA, Q003_PCA),
        ("001's 784-15-30-10 ReLU net with 003 §2.1's schedule (Adam 4e-4, wd 1e-4, 45 epochs, snapshot every epoch)",
         "4000 training images of the offline subset", "batch 100 (neither report gives one)"),
        ("all MNIST training images; batch 100",),
        condition="004's sentence tested on MNIST classification (004 ran it on 1-D function fitting); 003 §2.1's own "
                  "net was the 397,510-parameter DNN, not 001's",
        misattributed="001 §2-1 and 003 §2.1 are cited, but both only describe the PCA method; neither states that the "
                      "losses are similar or that the paths differ"),

    # --- C4 gradient_norm: gradient norm and loss during training ---------------------------------------------------
    "gradient_norm[drops_early-003]": Fidelity(
        FAITHFUL, (Q003_GRAD, Q003_GRAD_FINAL),
        ("unstated: 200 training points, full batch", "5 seeds (003: one run)"),
        ("unstated: 1000 training points, full batch", "5 seeds (003: one run)")),
    "gradient_norm[loss_falls_near_zero-004]": Fidelity(
        FAITHFUL, (Q004_GRAD,),
        ("unstated: 1-336-1 ReLU net (1009 parameters, HW1-1's 1-hidden-layer budget 1008; 004 says 'one-layer DNN')",
         "unstated: 5000 full-batch epochs of Adam 1e-3", "unstated: 200 training points", "5 seeds"),
        ("unstated: 1-336-1 net, 5000 full-batch epochs of Adam 1e-3, 1000 training points", "5 seeds")),

    # --- C5 minimal_ratio: where the gradient vanishes ----------------------------------------------------------------
    "minimal_ratio[never_near_one-004]": Fidelity(
        SCALED, (Q004_RATIO, Q001_NEAR_MIN),
        RATIO_CPU, RATIO_FULL,
        misattributed="001 is cited as a source, but 001 §2-2 says the opposite: a near-zero gradient means the model "
                      "is near a local or global minimum"),
    "minimal_ratio[saddles-004]": Fidelity(
        SCALED, (Q004_SADDLE,),
        RATIO_CPU + ("'saddle' = an eigenvalue below -1e-4 x max|λ| (004 gives no tolerance)",),
        RATIO_FULL + ("'saddle' = an eigenvalue below -1e-4 x max|λ|",)),
    "minimal_ratio[loss_vs_ratio-dauphin2014]": Fidelity(
        EXTENSION, (Q_DAUPHIN, Q003_RATIO),
        ("004's procedure on |sin(5πx)/(5πx)| with a 151-parameter net; 003 §2.3 used sin(5πx)/(5πx), 1501 parameters, "
         "100 epochs", "3000 + 500 epochs, 200 points, 100 runs"),
        ("004's procedure, 1009 parameters, 9500 + 500 epochs, 1000 points",),
        condition="Dauphin et al.'s index-error relation tested at the points of 004's gradient-norm descent on a 1-D "
                  "regression net",
        misattributed="003 §2.3 is cited, but it only plots loss against minimal ratio and states no relation"),

    # --- C6 error_surface (bonus) -------------------------------------------------------------------------------------
    "error_surface[random_directions-004]": Fidelity(
        FAITHFUL, (Q004_SURFACE,),
        ("unstated: around C4's 004 nets (1-336-1 on sin(3πx)+cos(6πx), 5000 epochs, 200 points)",
         "unstated: radii 0…0.2 of the median parameter norm in 11 steps, 64 directions, 5 runs"),
        ("unstated: radii 0…0.2 in 21 steps, 256 directions, 1000 points",),
        misattributed="004 describes its method and says it shows the sharpness; it states no finding that the mean loss "
                      "rises at every radius (the sentence tested is the suite's)"),

    # --- C7 random_labels: a network memorises random labels ------------------------------------------------------
    "random_labels[fits-1000-000-004]": Fidelity(
        SCALED, (Q000_FITS, Q003_RANDOM, Q004_RANDOM),
        ("003's 784-500-10 DNN (397,510 parameters) for all three; 000's net had 16,750, 004's was 1 conv + dense 512",
         "1000 images, batch 100 (000's) from the offline subset", "60 epochs (000: 5000; 004: 1000)",
         "Adam lr 1e-3 (000: 3e-3; 003: 1e-4; 004: 1e-3)", "5 seeds"),
        ("003's DNN for all three (000: 16,750 parameters; 004: a CNN)", "1000 epochs (000: 5000)",
         "Adam lr 1e-3 (000: 3e-3; 003: 1e-4)", "1000 images (003: not given, presumably all)"),
        misattributed="004 states no finding about random labels (settings and a figure only) and used a CNN; 'test "
                      "accuracy at chance' and 'test loss rises' are said by none of 000, 003, 004 (000: fits easily; "
                      "003: test performance 'poor'); 000's net (16,750 parameters) is not the one trained"),
    "random_labels[fits-4000-002]": Fidelity(
        SCALED, (Q002_FITS, Q002_FITS_NUMBERS),
        ("4000 images (the offline split) instead of 5000", "100 epochs instead of 500", "Adam lr 1e-3 instead of 1e-4",
         "unstated: 003's 784-500-10 DNN (002 names no model)", "3 seeds"),
        ("unstated: 003's 784-500-10 DNN (002 names no model)", "5 seeds"),
        misattributed="002 says validation performance is 'quite poor' (相當差), not 'at chance', and says nothing about "
                      "the test loss rising"),
    "random_labels[cannot_fit-cnn-001]": Fidelity(
        SCALED, (Q001_CANNOT, Q001_OVERFIT),
        ("500 training images (001 gives no size; the offline split has 4000)", "80 epochs, batch 50, Adam lr 1e-3 "
         "(001: none given)", "3 seeds"),
        ("unstated: 5000 images, 300 epochs, batch 100, Adam lr 1e-3", "5 seeds"),
        misattributed="001's 'cannot fit' describes curves whose training loss keeps falling while the test loss climbs "
                      "(it calls this over-fitting); the variant reads it as 'train accuracy stays below 99%', which 001 "
                      "never measured"),

    # --- C8 param_count: number of parameters vs generalisation --------------------------------------------------
    "param_count[improves-000]": Fidelity(
        SCALED, (Q000_PARAMS,),
        ("4000 images of the offline subset instead of 55,000", "40 epochs instead of 100", "3 seeds",
         "unstated: Adam (000 gives lr 3e-3, batch 200, no optimiser)"),
        ("unstated: Adam", "5 seeds")),
    "param_count[improves-001]": Fidelity(
        SCALED, (Q001_PARAMS,),
        ("000's family 784-w-w-w-10, w = 5…90 (001: '745x5x30x10, similar structure for other 9 models')",
         "4000 images", "40 epochs, Adam lr 3e-3, batch 200 (001: none given)", "3 seeds"),
        ("000's family and settings (55,000 images, 100 epochs, lr 3e-3, batch 200) stand in for 001's, which 001 does "
         "not give",)),
    "param_count[improves_then_flattens-002]": Fidelity(
        EXTENSION, (Q002_PARAMS, Q002_FLATTEN, Q002_NO_OVERFIT),
        (PARAM_SWEEP_CPU + " instead of 002's conv -> dense -> output CNNs with 2…20 filters/units, 2000 images, "
         "50 epochs, lr 1e-4, batch 128", "'flattens' = test-accuracy gain over the larger half <= 0.25 x the smaller "
         "half's (002: past ~50k parameters)"),
        ("unstated: conv kernel 3 with a 2x2 max-pool (002: conv -> dense -> output)", "5 seeds"),
        condition="cpu profile: 000's MLP family stands in for 002's CNN family (the full profile uses 002's CNNs and "
                  "settings)"),
    "param_count[test_plateaus_gap_grows-003]": Fidelity(
        EXTENSION, (Q003_PARAMS, Q003_GAP),
        (PARAM_SWEEP_CPU + " instead of 003's ten CNNs (2 conv k4 + 2 dense, 39,760 to ~1.59M parameters, Adam 1e-4, "
         "dropout 0.25); train accuracy saturates from 16,750 parameters, so a gap cannot grow",),
        ("2 conv (16, 32 channels: 003 gives none) + 2 dense of 20…700, about 41k–1.6M parameters", "no dropout (003: 0.25)",
         "unstated: all MNIST, 20 epochs, batch 128", "5 seeds"),
        condition="cpu profile: 000's MLP family stands in for 003's CNN family (the full profile uses 003's CNNs)"),
    "param_count[test_loss_rises-004]": Fidelity(
        EXTENSION, (Q004_PARAMS, Q004_PARAMS_TEST),
        (PARAM_SWEEP_CPU + " instead of 004's 4 conv (10/39/39/38) + 4 dense CNNs up to 5M parameters, 50 epochs, Adam "
         "1e-3", "checked over the larger half of the sweep only (44,860–87,940 parameters)"),
        ("dense widths 16…1280 (about 32k–5M parameters)", "unstated: conv kernel 3, all MNIST, batch 128", "5 seeds"),
        condition="cpu profile: 000's MLP family up to 88k parameters stands in for 004's CNNs up to 5M (the full profile "
                  "uses 004's family)",
        misattributed="only 004's 'test loss rises' is checked; its 'accuracy barely changes' is not"),

    # --- C9 interpolation: one variant per report sentence on the line between two minima ---------------------------
    "interpolation[peak_at_half-000]": Fidelity(
        SCALED, (Q000_PEAK,),
        (LINE_CPU, "θ₁ batch 64 lr 1e-3, θ₂ batch 1024 lr 1e-2 as 000, " + LINE_EPOCHS_CPU + " (000: 500)",
         "000's model unstated; MLP 784-32-10"),
        (LINE_FULL, "500 epochs each as 000", "55,000 images as 000")),
    "interpolation[peak_at_half-000-shared_init]": Fidelity(
        EXTENSION, (Q000_PEAK, Q_GOODFELLOW),
        (LINE_CPU, "θ₁ batch 64 lr 1e-3, θ₂ batch 1024 lr 1e-2, " + LINE_EPOCHS_CPU),
        (LINE_FULL, "500 epochs each"),
        condition="shared initialisation: θ₁ and θ₂ start from the same weights; 000 trained its pair from two "
                  "initialisations"),
    "interpolation[small_batch_lower_loss-002]": Fidelity(
        SCALED, (Q002_SMALL_LOSS, Q002_VAL_LOSS),
        (LINE_CPU, "θ₁ batch 1024 lr 1e-2, θ₂ batch 64 lr 1e-3 as 002, " + LINE_EPOCHS_CPU + " (002: 500)",
         "MLP 784-32-10 instead of 002's conv1 -> conv2 -> conv3 -> dense -> output CNN",
         "test split of the offline subset (002: the first 1000 MNIST test images)"),
        (LINE_FULL + " instead of 002's CNN", "500 epochs each as 002")),
    "interpolation[high_only_near_ends-004]": Fidelity(
        SCALED, (Q004_LINE, Q004_LINE_SETUP),
        (LINE_CPU, "batch 64 vs 1024 (004: 50 vs 1000) at 004's lr 1e-3, " + LINE_EPOCHS_CPU + " (004: unstated)",
         "MLP 784-32-10 instead of 004's 1 conv + 4 dense net"),
        (LINE_FULL + " instead of 004's 1 conv + 4 dense net", "batch 64 vs 1024, 500 epochs (004: unstated)")),
    "interpolation[lower_loss_equal_accuracy-004]": Fidelity(
        SCALED, (Q004_LOSS_NOT_ACC, Q004_LINE_SETUP),
        (LINE_CPU, "batch 64 (α = 0) vs 1024 (α = 1; 004: 50 and 1000, in that order) at lr 1e-3, " + LINE_EPOCHS_CPU,
         "MLP 784-32-10 instead of 004's 1 conv + 4 dense net",
         "reading: 'loss' = test loss, 'accuracy' = test accuracy; 004 does not say which model sits at α = 1, the "
         "suite reads its listing order (50, 1000)"),
        (LINE_FULL + " instead of 004's net", "batch 64 vs 1024, 500 epochs")),
    "interpolation[drops_to_half_and_beyond-003]": Fidelity(
        SCALED, (Q003_BATCH_LINE, Q003_BATCH_LINE_END),
        (LINE_CPU, "batch 64 vs 1024 (003: 64 vs 1000) at lr 1e-3 (003: 1.5e-3, weight decay 1e-4), " + LINE_EPOCHS_CPU
         + " (003: 15 epochs of 60,000 images: 900 steps at batch 1000, as the suite's 900 at 1024)",
         "MLP 784-32-10 instead of 003's 784-500-10", "α from -1 to 2 (003: -2 to 2)", "'performance' = test accuracy"),
        (LINE_FULL + " (003's net)", "500 epochs (003: 15)", "lr 1e-3, no weight decay (003: 1.5e-3, 1e-4)")),
    "interpolation[stable_near_zero-003]": Fidelity(
        SCALED, (Q003_LR_LINE,),
        (LINE_CPU, "lr 1e-3 (α = 0) vs 1e-2 as 003, at batch 1024 (003: unstated; it names batch 100 for its "
         "evaluation), " + LINE_EPOCHS_CPU, "MLP 784-32-10 instead of 003's 784-500-10",
         "reading: 'stable good performance as alpha approaches 0.0' = test accuracy over -0.5 <= α <= 0 within 2 "
         "points of α = 0's (the approach from below, as in 003's batch sentence)"),
        (LINE_FULL + " (003's net)", "batch 1024, 500 epochs")),

    # --- C10 sensitivity: input sensitivity vs batch size -----------------------------------------------------------
    "sensitivity[sensitivity_falls-002-003-fixed_epochs]": Fidelity(
        SCALED, (Q002_SENS, Q003_SENS),
        (SWEEP_CPU, "50 epochs at every batch size (003: 5; 002: 200)", SENSITIVITY_MEASURE + " (002 cites that paper; "
         "003 does not define its measure)",
         "003 used 784-500-10 at batch 10…1510 with wd 1e-4; 002 a conv -> output CNN at lr 1e-2 on 55,000 images"),
        (SWEEP_FULL, "20 epochs at every batch size (003: 5; 002: 200)", SENSITIVITY_MEASURE)),
    "sensitivity[accuracy_falls-002-003-fixed_epochs]": Fidelity(
        SCALED, (Q002_ACC, Q003_ACC),
        (SWEEP_CPU, "50 epochs at every batch size (003: 5; 002: 200)",
         "003 used 784-500-10 at batch 10…1510 with wd 1e-4; 002 a CNN at lr 1e-2"),
        (SWEEP_FULL, "20 epochs at every batch size (003: 5)")),
    "sensitivity[test_loss_rises-002-fixed_epochs]": Fidelity(
        SCALED, (Q002_ACC,),
        (SWEEP_CPU, "50 epochs at every batch size (002: 200)", "MLP instead of 002's conv -> output CNN at lr 1e-2 on "
         "55,000 images", "reading: 'loss' = the test (validation) loss; 002 does not say which of its plotted losses"),
        (SWEEP_FULL, "20 epochs at every batch size (002: 200)")),
    "sensitivity[sensitivity_tracks_error-000-fixed_epochs]": Fidelity(
        SCALED, (Q000_SENS,),
        (SWEEP_CPU + " (000: 55,000 images, batch 500…5000, lr 1e-2, optimiser not given)",
         "50 epochs (000: 200)", "000's measure, the 2-norm of the Jacobian at a random input, averaged over 100 "
         "random inputs (000: one); of the softmax output (000: unstated)",
         "test accuracy only (000: training/testing accuracy)"),
        (SWEEP_FULL + " (000: batch 500…5000, lr 1e-2)", "20 epochs (000: 200)")),
    "sensitivity[sensitivity_rises-novak2018-fixed_epochs]": Fidelity(
        EXTENSION, (Q_NOVAK,),
        (SWEEP_CPU, "50 epochs at every batch size"),
        (SWEEP_FULL, "20 epochs at every batch size"),
        condition="Novak et al.'s direction tested on one small MLP's batch-size sweep at fixed epochs; the paper's "
                  "networks and training regime are not reproduced"),
    "sensitivity[sensitivity_falls-002-003-fixed_steps]": Fidelity(
        EXTENSION, (Q002_SENS, Q003_SENS),
        (SWEEP_CPU, "1000 optimizer steps at every batch size", SENSITIVITY_MEASURE),
        (SWEEP_FULL, "10000 optimizer steps at every batch size", SENSITIVITY_MEASURE),
        condition=FIXED_STEPS),
    "sensitivity[accuracy_falls-002-003-fixed_steps]": Fidelity(
        EXTENSION, (Q002_ACC, Q003_ACC),
        (SWEEP_CPU, "1000 optimizer steps at every batch size"),
        (SWEEP_FULL, "10000 optimizer steps at every batch size"),
        condition=FIXED_STEPS + " (003 says 'over the same number of epochs')"),
    "sensitivity[sensitivity_tracks_error-000-fixed_steps]": Fidelity(
        EXTENSION, (Q000_SENS,),
        (SWEEP_CPU, "1000 optimizer steps at every batch size", "000's measure at 100 random inputs"),
        (SWEEP_FULL, "10000 optimizer steps at every batch size"),
        condition=FIXED_STEPS),
    "sensitivity[sensitivity_rises-novak2018-fixed_steps]": Fidelity(
        EXTENSION, (Q_NOVAK,),
        (SWEEP_CPU, "1000 optimizer steps at every batch size"),
        (SWEEP_FULL, "10000 optimizer steps at every batch size"),
        condition="Novak et al.'s direction at fixed optimizer steps on one small MLP's batch-size sweep"),
    "sensitivity[sensitivity_falls-004-function_fit]": Fidelity(
        SCALED, (Q004_SENS, Q004_SENS_SETUP),
        (FIT_SWEEP_CPU_TEXT, "004's measure: the largest over the 1000 training points of |d loss / dx|"),
        (FIT_SWEEP_FULL_TEXT,)),

    # --- C11 sharpness (bonus): sharpness vs batch size -------------------------------------------------------------
    "sharpness[smaller-004-function_fit]": Fidelity(
        SCALED, (Q004_SHARP, Q004_NOT_MNIST),
        (FIT_SWEEP_CPU_TEXT, "σ = 5% of each model's parameter RMS (004 gives no σ), 20 draws as 004"),
        (FIT_SWEEP_FULL_TEXT, "σ = 5% of the parameter RMS, 20 draws")),
    "sharpness[sharper-keskar2017-fixed_epochs]": Fidelity(
        SCALED, (Q_KESKAR,),
        (SWEEP_CPU + " (Keskar et al.: small batch 256 vs large ~10% of the data, larger networks on full datasets)",
         "50 epochs at every batch size (the paper's budget is not in CLAIMS.md)",
         "ε = 1e-3 with 10 projected ascent steps (Keskar et al.: L-BFGS-B)"),
        (SWEEP_FULL, "20 epochs", "ε = 1e-3, 10 ascent steps")),
    "sharpness[sharper-keskar2017-fixed_steps]": Fidelity(
        EXTENSION, (Q_KESKAR,),
        (SWEEP_CPU, "1000 optimizer steps at every batch size", "ε = 1e-3, 10 ascent steps"),
        (SWEEP_FULL, "10000 optimizer steps at every batch size", "ε = 1e-3, 10 ascent steps"),
        condition="fixed optimizer steps (1000 per batch size, cpu; 10000, full) instead of equal epochs per "
                  "batch size, the regime of the papers and reports"),
}
