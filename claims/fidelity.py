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
Q003_PLATEAU = Quote("003", "§2.2", "Moving on to the loss, the model experienced a substantial drop in loss until around "
                                    "the 400th epoch. However, after this point, the rate of decrease in loss slowed down "
                                    "and stabilized into a plateau.")
Q003_CONVERGED_1800 = Quote("003", "§2.2", "After training the model for 1800 epochs, convergence was reached with a final MSE "
                                      "loss value of 0.0009995186.")
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
Q004_PATHS_INIT = Quote("004", "HW1-2 Visualize the optimization process",
                        "隨著每次訓練 initialization 的不同,gradient descent 所走的路徑是非常不同的")
Q004_RATIO = Quote("004", "HW1-2 minimal ratio", "竟然 100 次結果中沒有一次的 minimum ratio 接近 1 的")
Q004_RATIO_DEF = Quote("004", "HW1-2 minimal ratio", "計算出 hessian matrix 正的 eigenvalue 所佔的比例,即 minimum ratio")
Q004_CLUSTER = Quote("004", "HW1-2 minimal ratio", "在圖的右下角有一個 cluster,代表 min ratio 高而且 loss 不高的狀況")
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
Q004_PARAMS_ACC = Quote("004", "HW1-3 Number of parameters v.s. Generalization",
                        "實際對於 accuracy 的影響,至少在我們觀察的範圍內(0->5000000)是不明顯的")
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
PARAM_FOR_002_CPU = ("MLPs 784-w-10, w = 1…99 (805–78,715 parameters: 002's range) instead of 002's conv -> dense -> "
                     "output CNNs with 2…20 filters/units; 002's own 2000 images (drawn per seed from the offline split), "
                     "50 epochs, Adam lr 1e-4, batch 128; 3 seeds")
PARAM_FOR_003_CPU = ("MLPs 784-d-d-10, d = 1…32 (807–26,506 parameters, 0.8–27 per image as 003's 39,760–1.59M on 60,000) "
                     "instead of 003's CNNs (2 conv k4 + 2 dense); 1000 images drawn per seed from the offline split, "
                     "80 epochs, batch 32, Adam lr 1e-3 (003: 1e-4), no dropout (003: 0.25); 3 seeds")
PARAM_FOR_004_CPU = ("MLPs 784-d-d-d-d-10, d = 24…256 (20,890–400,906 parameters, 42–800 per image) instead of 004's CNNs "
                     "(4 conv 10/39/39/38 + 4 dense, up to 5M parameters on 60,000 images); 500 images drawn per seed, "
                     "40 epochs (004: 50), batch 32, Adam lr 1e-3 (004's); 5 seeds")
PARAM_SWEEP_CPU = ("000's MLP family 784-w-w-w-10, w = 5…90 (4,045–87,940 parameters), " + MNIST5K + ", 40 epochs, "
                   "Adam lr 3e-3, batch 200, 3 seeds; budget: w = 5, 10, 20 do not train in 40 epochs (pilot)")
RATIO_CPU = ("1-50-1 ReLU net (151 parameters) instead of 004's one-hidden-layer 1008", "3000 MSE epochs instead of 9500, "
             "then 500 on the squared gradient norm (as 004)", "200 training points (004 states none)",
             "unstated: full-batch Adam lr 1e-3", "260 runs (004: 100), for 80% power of the 'most runs' tests")
RATIO_FULL = ("1-336-1 net, 1009 parameters (004: 1008)", "unstated: 1000 training points, full-batch Adam lr 1e-3")
RATIO_ZERO = ("minimal ratio = positive / nonzero eigenvalues, an eigenvalue zero when |λ| <= c·‖g‖ (‖g‖ the gradient "
              "norm reached), read at c = 1, 3, 10, 30, 100; a run counts only where its class is the same for every c "
              "(004 counts positive eigenvalues and gives no tolerance: over all 151, a ReLU net's flat directions would "
              "score even a strict minimum ~0.07)",)
RATIO_CLASSES = ("'saddle' = a negative eigenvalue beyond c·‖g‖ for every c in 1…100, 'minimum' = none beyond ‖g‖; runs "
                 "between are undecidable and count for neither side (004 gives no tolerance)",)


# --- C1 and C2 (claims/test_hw1_1_deep_vs_shallow.py): quotes and settings text -------------------------------
Q003_CONVERGED = Quote("003", "§1.1", "The training process would conclude either when the maximum number of epochs was "
                                      "reached or when the model has converged, which is indicated by a near-zero loss "
                                      "that no longer decreases.")
Q003_SGN_ONLY = Quote("003", "§1.1.2", "it appears that except for Model 1, neither Model 2 nor Model 3 were able to "
                                       "converge even after reaching the maximum number of epochs.")
Q003_SGN_DEEPEST = Quote("003", "§1.1.2", "the model with the largest number of layers was capable")
Q004_TINY = Quote("004", "HW1-1 Simulate a Function", "如果總限制的 trainable variable 量其實很小,或許廣一點的 model 表現會比"
                                                      "深一點但每層都只有極少數節點的 model 來得好")
Q001_CNN_SETUP = Quote("001", "§1-2", "Two CNN layers and one fully connected are used with MaxPooling method.")
Q001_COMPARABLE = Quote("001", "§1-2", "Because the network structures are similar, the loss and accuracy are comparable.")

C1_POINTS_CPU = "200 evenly spaced training points on [-1, 1], full batch (no report states the number or the batch)"
C1_POINTS_FULL = "unstated: 1000 evenly spaced training points, full batch"
C1_SEEDS = "8 seeds per depth (the reports: one run each)"
C1_STEPS_003_CPU = "6000 full-batch steps (003's cap: 25000 epochs; its 1-layer sinc model converged at 2186)"
C1_STEPS_004_CPU = "7000 full-batch steps (004: epochs not given)"
C1_FITTED = ("'converged' read as MSE <= 1% of the target's variance (003: 'a near-zero loss'); 'no longer decreases' "
             "as the budget gate (loss fell < 5% over the last 20% of the budget)")
C1_LR_003 = "1-layer net at lr 1.2e-3 like the deeper ones (003: 1.1e-3)"
C1_001_UNSTATED = "unstated by 001: width 20 at every depth (001 gives no widths or counts), full-batch SGD lr 0.1"
C2_MNIST_CPU = "1000 training / 500 test images of the offline 5000-image MNIST subset, drawn by each seed"
C2_RECIPE = "unstated: Adam lr 1e-3, batch 32, weight decay 1e-4 (003's), kernel 3"
C2_EPOCHS_CPU = "5 epochs at batch 32 = 160 steps (004: epochs not given)"


def _fidelity(tag, quotes, cpu, full, condition="", misattributed="") -> Fidelity:
    return Fidelity(tag, tuple(quotes), tuple(cpu), tuple(full), condition, misattributed)


FIDELITY: dict[str, Fidelity] = {
    # --- C1 function_fit_depth: MLPs of several depths fitting a 1-D function -----------------------------------
    "function_fit_depth[sinc-003-faster]": _fidelity(
        SCALED, (Q003_FASTER, Q003_EPOCHS, Q003_CONVERGED),
        (C1_STEPS_003_CPU, C1_FITTED, C1_LR_003, C1_POINTS_CPU, C1_SEEDS),
        (C1_FITTED, C1_LR_003, C1_POINTS_FULL)),
    "function_fit_depth[sinc-003-similar]": _fidelity(
        SCALED, (Q003_SIMILAR, Q003_CONVERGED),
        (C1_STEPS_003_CPU, "'similar' read as final MSEs equal within 1% of the target's variance (the near-zero "
         "criterion), TOST on paired seeds", C1_LR_003, C1_POINTS_CPU, C1_SEEDS),
        ("'similar' = final MSEs equal within 1% of the target's variance", C1_LR_003, C1_POINTS_FULL)),
    "function_fit_depth[sign_sin-003-deepest_faster]": _fidelity(
        SCALED, (Q003_SGN_EPOCHS, Q003_SGN_ONLY, Q003_SGN_DEEPEST),
        ("6000 full-batch steps (003's cap: 25000 epochs; its 7-layer model converged at 8146)", C1_FITTED,
         C1_POINTS_CPU, C1_SEEDS),
        (C1_FITTED, C1_POINTS_FULL)),
    "function_fit_depth[abs_sinc-004-lower_loss]": _fidelity(
        SCALED, (Q004_DEEPER,),
        ("~1000 parameters at 1/3/6 hidden layers as 004 (1008/1019/1006), counts from the harness within 5%",
         "unstated by 004: ReLU, full-batch Adam lr 1e-3", C1_STEPS_004_CPU, C1_POINTS_CPU, C1_SEEDS),
        ("unstated by 004: ReLU, full-batch Adam lr 1e-3, 25000 steps", C1_POINTS_FULL)),
    "function_fit_depth[sin_cos-004-lower_loss]": _fidelity(
        SCALED, (Q004_DEEPER,),
        ("~1000 parameters at 1/3/6 hidden layers as 004 (1008/1019/1006), counts from the harness within 5%",
         "unstated by 004: ReLU, full-batch Adam lr 1e-3", C1_STEPS_004_CPU, C1_POINTS_CPU, C1_SEEDS),
        ("unstated by 004: ReLU, full-batch Adam lr 1e-3, 25000 steps", C1_POINTS_FULL)),
    "function_fit_depth[sin_cos-004-tiny_wider]": _fidelity(
        EXTENSION, (Q004_TINY, Q004_DEEPER),
        ("70 parameters: 6 hidden layers of 3 units vs 1 hidden layer of 23 (004's conjecture names no budget)",
         "unstated by 004: ReLU, full-batch Adam lr 1e-3", C1_STEPS_004_CPU, C1_POINTS_CPU, C1_SEEDS),
        ("70 parameters as cpu", "unstated by 004: ReLU, full-batch Adam lr 1e-3, 25000 steps", C1_POINTS_FULL),
        condition="a 70-parameter budget (6 hidden layers of 3 units) on 004's sin(3πx)+cos(6πx): 004 offers the "
                  "sentence as a conjecture ('或許') and ran no such model; the budget is the suite's reading of "
                  "'極少數節點'"),
    "function_fit_depth[sin-001-deeper_better]": _fidelity(
        SCALED, (Q001_DEEPER, Q001_SETUP),
        (C1_001_UNSTATED, "3000 full-batch steps (001: epochs not given)", C1_POINTS_CPU, C1_SEEDS),
        (C1_001_UNSTATED, "unstated: 25000 full-batch steps", C1_POINTS_FULL)),
    "function_fit_depth[sign_sin-001-deeper_better]": _fidelity(
        SCALED, (Q001_DEEPER, Q001_SETUP),
        (C1_001_UNSTATED, "3000 full-batch steps (001: epochs not given)", C1_POINTS_CPU, C1_SEEDS),
        (C1_001_UNSTATED, "unstated: 25000 full-batch steps", C1_POINTS_FULL)),

    # --- C2 cnn_depth: deep vs shallow networks on MNIST at equal parameter count ---------------------------------
    "cnn_depth[conv_depth-mnist-004]": _fidelity(
        SCALED, (Q004_CNN,),
        ("~25,500 parameters per model (13 / 32,32 / 30x4 channels) instead of 004's 90,936/90,956/90,783",
         C2_MNIST_CPU, C2_EPOCHS_CPU, C2_RECIPE, "8 seeds (004: one run each)"),
        ("unstated by 004: 20 epochs, batch 32, Adam lr 1e-3, weight decay 1e-4, kernel 3; budget 90,900 parameters",)),
    "cnn_depth[dense_depth-mnist-003]": _fidelity(
        SCALED, (Q003_CNN, Q003_CNN_TEST),
        ("~24,200 parameters with conv channels 16, 32 (003: 25,550/25,570/25,550; channels not given)", C2_MNIST_CPU,
         C2_EPOCHS_CPU + " of Adam lr 1e-3 instead of 003's 1e-4", "no dropout (003: 0.25)",
         "dense depths 1/2/4 counting the output layer (003: counting not stated)", "8 seeds (003: one run each)"),
        ("budget 24,200 parameters with conv channels 16, 32 (003: 25,550; channels not given)", "no dropout (003: 0.25)",
         "unstated: 20 epochs at batch 32")),
    "cnn_depth[comparable-mnist-001]": _fidelity(
        SCALED, (Q001_COMPARABLE, Q001_CNN_SETUP),
        ("001's two structures are not given: conv 16,32 (4x4) + 1 dense (24,186 parameters) vs conv 32,32 (3x3) + 1 "
         "dense (25,258), the runs of dense_depth-mnist-003 and conv_depth-mnist-004", C2_MNIST_CPU, C2_EPOCHS_CPU,
         C2_RECIPE, "'comparable' read as training accuracies within ±1 percentage point (001 gives no number)"),
        ("the same two structures at ~25k parameters, 20 epochs, all of MNIST",
         "'comparable' = training accuracies within ±1 percentage point")),
    "cnn_depth[dnn_depth-mnist-004]": _fidelity(
        EXTENSION, (Q004_DNN_SLOWER,),
        ("MLPs with 1 and 6 hidden layers at ~25,450 parameters (784-32-10 and 784-27x6-10)",
         "1000 training / 500 test images", "25 epochs, batch 32, Adam lr 1e-3, weight decay 1e-4"),
        ("the same MLPs on all of MNIST, 20 epochs",),
        condition="004 gives no depth, width, budget or task for the DNNs it 'also tried': the MLP family, budget and "
                  "training are the suite's; '有時候' (sometimes) is tested as 'in this regime'"),
    "cnn_depth[conv_depth-digits-004]": _fidelity(
        EXTENSION, (Q004_CNN,),
        ("scikit-learn's 8x8 digits (1437 train / 360 test) instead of MNIST", "1/2/3 conv layers (8x8 allows at most 3 "
         "pools) instead of 1/2/4", "5,000 parameters instead of ~90.9k", "10 epochs, batch 32, Adam 1e-3, weight "
         "decay 1e-4", "8 seeds"),
        ("8x8 digits, 1/2/3 conv layers, 5,000 parameters", "100 epochs, batch 32, Adam 1e-3, 8 seeds"),
        condition="8x8 digits as a second task (the homework's bonus); 004 trained only on MNIST"),

    # --- C3 trajectories: different initialisations, similar loss, different paths ------------------------------
    "trajectories[function-004]": Fidelity(
        SCALED, (Q004_PATHS, Q004_PATHS_INIT),
        ("6 hidden layers of 13 units = 950 parameters (004: ~1006)", "200 training points (004: not given)",
         "unstated: full-batch Adam lr 1e-3",
         "'paths very different' read as: the runs end at least as far apart as they started (median over pairs of "
         "final / initial distance >= 1; below 0.5 the runs came together, against); 004 drew t-SNE paths, no measure",
         "budget gate: each check's answer unchanged over the last 20% of the 5000 epochs (004 states none)"),
        ("950 parameters (004: ~1006)", "unstated: 1000 training points, full-batch Adam lr 1e-3",
         "'paths very different' = final / initial distance between runs >= 1, as cpu")),
    "trajectories[mnist-001-003]": Fidelity(
        EXTENSION, (Q004_PATHS, Q001_PCA, Q003_PCA),
        ("001's 784-15-30-10 ReLU net with 003 §2.1's schedule (Adam 4e-4, wd 1e-4, 45 epochs, snapshot every epoch)",
         "4000 training images of the offline subset", "batch 100 (neither report gives one)",
         "45 epochs: the train loss still falls (pilot, seed base 11000: 16% over the last 20% of the epochs; 54% at "
         "200 epochs); the gate asks only that each check's answer be unchanged over the last 20% of the epochs",
         "one training subset for all runs, so that they differ only by their seed (initial weights, batch order)"),
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
    "gradient_norm[plateau-003]": Fidelity(
        FAITHFUL, (Q003_PLATEAU, Q003_CONVERGED_1800),
        ("unstated: 200 training points, full batch", "5 seeds (003: one run)",
         "'substantial drop until ~400' = half the log-fall of the loss done by epochs 350-450; 'plateau' = the loss "
         "falls < 5% over the last 20% of the 1800 epochs (the suite's convergence criterion; 003 gives no number)"),
        ("unstated: 1000 training points, full batch", "5 seeds (003: one run)", "thresholds as cpu")),
    "gradient_norm[loss_falls_near_zero-004]": Fidelity(
        FAITHFUL, (Q004_GRAD,),
        ("unstated: 1-336-1 ReLU net (1009 parameters, HW1-1's 1-hidden-layer budget 1008; 004 says 'one-layer DNN')",
         "unstated: 5000 full-batch epochs of Adam 1e-3", "unstated: 200 training points", "5 seeds"),
        ("unstated: 1-336-1 net, 5000 full-batch epochs of Adam 1e-3, 1000 training points", "5 seeds")),

    # --- C5 minimal_ratio: where the gradient vanishes ----------------------------------------------------------------
    "minimal_ratio[never_near_one-004]": Fidelity(
        SCALED, (Q004_RATIO, Q004_RATIO_DEF),
        RATIO_CPU + RATIO_ZERO, RATIO_FULL + RATIO_ZERO),
    "minimal_ratio[saddles-004]": Fidelity(
        SCALED, (Q004_SADDLE,),
        RATIO_CPU + RATIO_CLASSES, RATIO_FULL + RATIO_CLASSES),
    "minimal_ratio[near_minimum-001]": Fidelity(
        EXTENSION, (Q001_NEAR_MIN,),
        ("004's procedure and setting (MSE, then the squared gradient norm) on |sin(5πx)/(5πx)|",) + RATIO_CPU
        + RATIO_CLASSES,
        ("004's procedure, 1009 parameters, 9500 + 500 epochs, 1000 points",) + RATIO_CLASSES,
        condition="001's general sentence tested at the points 004's procedure reaches on a one-hidden-layer ReLU net; "
                  "001 computed no Hessian and names no model or procedure for it"),
    "minimal_ratio[loss_vs_ratio-dauphin2014]": Fidelity(
        EXTENSION, (Q_DAUPHIN, Q004_CLUSTER),
        ("004's procedure on |sin(5πx)/(5πx)| with a 151-parameter net", "3000 + 500 epochs, 200 points, 260 runs")
        + RATIO_ZERO,
        ("004's procedure, 1009 parameters, 9500 + 500 epochs, 1000 points",) + RATIO_ZERO,
        condition="Dauphin et al.'s index-error relation tested at the points of 004's gradient-norm descent on a 1-D "
                  "regression net, required at every tolerance of the range; 004 only describes a cluster of high ratio "
                  "and low loss in its figure"),

    # --- C6 error_surface (bonus) -------------------------------------------------------------------------------------
    "error_surface[random_directions-004]": Fidelity(
        EXTENSION, (Q004_SURFACE,),
        ("around C4's 004 nets (1-336-1 on sin(3πx)+cos(6πx), 5000 epochs, 200 points)",
         "radii 0…0.2 of the median parameter norm in 11 steps, 64 directions, 5 runs"),
        ("radii 0…0.2 in 21 steps, 256 directions, 1000 points",),
        condition="the suite's sentence on 004's method: 004 describes its error curve and says it shows the "
                  "sharpness, but states no result; the check (mean loss rises at every radius) shows a basin on "
                  "average over directions, which a saddle with positive trace also passes"),

    # --- C7 random_labels: a network memorises random labels ------------------------------------------------------
    "random_labels[fits-000]": Fidelity(
        SCALED, (Q000_FITS,),
        ("250 epochs instead of 5000 (pilot, seed base 10000: every seed at train accuracy >= 0.99 by epoch 200)",
         "1000 images drawn per seed from the offline 4000-image split (000: 1000 MNIST images)",
         "unstated: 784-20-20-20-10, the member of 000's §2 family with exactly 000's 16,750 parameters; Adam "
         "(000 gives lr 3e-3, no optimiser)", "5 seeds"),
        ("unstated: 784-20-20-20-10 and Adam", "5 seeds")),
    "random_labels[test_at_chance-003]": Fidelity(
        SCALED, (Q003_RANDOM,),
        ("Adam lr 1e-3 instead of 1e-4", "unstated: 1000 images drawn per seed from the offline split, batch 100, 80 "
         "epochs (pilot: every seed at train accuracy >= 0.998 by epoch 60)",
         "'poor' read as 'at chance': mean test accuracy within 0.10 ± 0.02 (TOST)", "8 seeds"),
        ("unstated: all 60,000 images, batch 128, 200 epochs", "'poor' read as 'at chance' (0.10 ± 0.02)")),
    "random_labels[fits_test_poor-002]": Fidelity(
        SCALED, (Q002_FITS, Q002_FITS_NUMBERS),
        ("4000 images (the whole offline split) instead of 5000", "100 epochs instead of 500",
         "Adam lr 1e-3 instead of 1e-4", "unstated: 003's 784-500-10 DNN (002 names no model)",
         "'相當差' (quite poor) read as 'at chance': mean test accuracy within 0.10 ± 0.02 (TOST)", "5 seeds"),
        ("unstated: 003's 784-500-10 DNN (002 names no model)", "'quite poor' read as 'at chance'", "5 seeds")),
    "random_labels[test_loss_climbs-cnn-001]": Fidelity(
        SCALED, (Q001_OVERFIT,),
        ("unpadded convolutions leave 32×4×4 = 512 features where 001's dense layer takes 32×5×5 = 800",
         "unstated: all 4000 images of the offline split, batch 50, Adam lr 1e-3, 25 epochs", "2 seeds"),
        ("32×4×4 features (001: 32×5×5)", "unstated: all 60,000 images, batch 100, lr 1e-3, 300 epochs")),
    "random_labels[cannot_fit-cnn-001]": Fidelity(
        SCALED, (Q001_CANNOT,),
        ("unpadded convolutions leave 32×4×4 = 512 features where 001's dense layer takes 32×5×5 = 800",
         "unstated: all 4000 images of the offline split, batch 50, Adam lr 1e-3, 25 epochs", "2 seeds",
         "budget: 25 epochs do not reach the gate (pilot, seed base 10000: train accuracy 0.36 and 0.51 at epoch 25, "
         "0.60 and 0.91 at epoch 60, still rising; ~1.2 CPU-s per epoch and seed): deciding needs >= ~150 epochs, "
         "~360 CPU-s for 2 seeds, above the cpu profile's share"),
        ("32×4×4 features (001: 32×5×5)", "unstated: all 60,000 images, batch 100, lr 1e-3, 300 epochs"),
        misattributed="001's 'cannot fit' follows from curves whose training loss keeps falling while the test loss "
                      "climbs (which 001 calls over-fitting); the variant reads it literally: train accuracy stays below "
                      "0.99 once training has stopped improving"),

    # --- C8 param_count: number of parameters vs generalisation --------------------------------------------------
    "param_count[improves-000]": Fidelity(
        SCALED, (Q000_PARAMS,),
        (PARAM_SWEEP_CPU + " (000: 55,000 images, 100 epochs)", "unstated: Adam (000 gives lr 3e-3, batch 200, no "
         "optimiser)", "each seed draws its own subset"),
        ("unstated: Adam", "5 seeds")),
    "param_count[improves-001]": Fidelity(
        SCALED, (Q001_PARAMS,),
        ("000's family 784-w-w-w-10, w = 5…90 stands in for 001's ('745x5x30x10, similar structure for other 9 models')",
         PARAM_SWEEP_CPU + " (001: none given)"),
        ("000's family and settings (55,000 images, 100 epochs, lr 3e-3, batch 200) stand in for 001's, which 001 does "
         "not give",)),
    "param_count[improves_then_flattens-002]": Fidelity(
        EXTENSION, (Q002_PARAMS, Q002_FLATTEN, Q002_NO_OVERFIT),
        (PARAM_FOR_002_CPU, "'flattens' = test-accuracy gain over the larger half <= 0.25 x the smaller half's (002: "
         "past ~50k parameters)"),
        ("unstated: conv kernel 3 with a 2x2 max-pool (002: conv -> dense -> output)", "5 seeds"),
        condition="cpu profile: one-hidden-layer MLPs over 002's parameter range stand in for 002's conv -> dense CNNs "
                  "(a CNN sweep costs ~2000 CPU-s on this trainer; the full profile uses 002's CNNs and settings)"),
    "param_count[test_plateaus_gap_grows-003]": Fidelity(
        EXTENSION, (Q003_PARAMS, Q003_GAP),
        (PARAM_FOR_003_CPU,),
        ("2 conv (16, 32 channels: 003 gives none) + 2 dense of 20…700, about 41k–1.6M parameters", "no dropout (003: 0.25)",
         "unstated: all MNIST, 20 epochs, batch 128", "5 seeds"),
        condition="cpu profile: MLPs with two dense layers (784-d-d-10) spanning 003's parameters-per-image range, from "
                  "under- to heavily over-parameterised, stand in for 003's CNNs (the full profile uses 003's CNNs)"),
    "param_count[test_loss_rises-004]": Fidelity(
        EXTENSION, (Q004_PARAMS, Q004_PARAMS_TEST),
        (PARAM_FOR_004_CPU,),
        ("dense widths 16…1280 (about 32k–5M parameters)", "unstated: conv kernel 3, all MNIST, batch 128", "5 seeds"),
        condition="cpu profile: MLPs with four dense layers (784-d-d-d-d-10), every one of which fits its training set, "
                  "stand in for 004's CNNs up to 5M parameters (the full profile uses 004's family)"),
    "param_count[accuracy_flat-004]": Fidelity(
        EXTENSION, (Q004_PARAMS_ACC,),
        (PARAM_FOR_004_CPU, "'not obvious' read as: the largest and the smallest model's test accuracy within ±0.01 "
         "(TOST on per-seed differences)"),
        ("dense widths 16…1280 (about 32k–5M parameters)", "unstated: conv kernel 3, all MNIST, batch 128",
         "'not obvious' = within ±0.01", "5 seeds"),
        condition="cpu profile: MLPs with four dense layers (784-d-d-d-d-10), every one of which fits its training set, "
                  "stand in for 004's CNNs up to 5M parameters (the full profile uses 004's family)"),

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
